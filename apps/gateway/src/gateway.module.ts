import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { SecretBox, secretKey } from '#common';
import { MessagingModule, transportSettings, type InProcessBus } from '#messaging';
import { AccessTokens } from './access-tokens.js';
import { DeploymentEventsController } from './deployment-events.controller.js';
import { GATEWAY_CONFIG, type GatewayConfig } from './gateway.config.js';
import { CancelController } from './http/cancel.controller.js';
import { DeploymentsController } from './http/deployments.controller.js';
import { HealthController } from './http/health.controller.js';
import { MetricsController } from './http/metrics.controller.js';
import { OpenApiController } from './http/openapi/openapi.controller.js';
import { OwnerGuard } from './http/owner.guard.js';
import { ServicesController } from './http/services.controller.js';
import { ConnectionStats } from './socket/connection-stats.js';
import { DeployGateway } from './socket/deploy.gateway.js';
import { DeploymentStreams } from './socket/deployment-streams.service.js';
import { GithubGateway } from './socket/github.gateway.js';

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, tokens: AccessTokens, bus?: InProcessBus): DynamicModule {
    return {
      module: GatewayModule,
      imports: [MessagingModule.forRoot('gateway', transportSettings(config, bus))],
      controllers: [
        HealthController,
        MetricsController,
        OpenApiController,
        DeploymentsController,
        ServicesController,
        CancelController,
        DeploymentEventsController,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: AccessTokens, useValue: tokens },
        { provide: APP_GUARD, useClass: OwnerGuard },
        { provide: SecretBox, useFactory: () => new SecretBox(secretKey(config)) },
        ConnectionStats,
        DeploymentStreams,
        DeployGateway,
        GithubGateway,
        OwnerGuard,
      ],
    };
  }
}
