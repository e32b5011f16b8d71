import { Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { SecretBox, secretKey } from '#common';
import { MessagingModule, transportSettings, type InProcessBus } from '#messaging';
import { ChatController } from './chat/chat.controller.js';
import { CHAT_PROVIDERS } from './chat/chat.providers.js';
import { openDatabase } from './database/data-source.js';
import { DeploymentMetrics } from './deployments/deployment-metrics.js';
import { DeploymentRedactors } from './deployments/deployment-redactors.js';
import { DeploymentsController } from './deployments/deployments.controller.js';
import { EventLog } from './deployments/event-log.service.js';
import { InFlightInterceptor } from './lifecycle/in-flight.interceptor.js';
import { InFlightWork } from './lifecycle/in-flight-work.js';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from './orchestrator.config.js';
import { DeploymentStarter } from './services/deployment-starter.js';
import { ServiceOperations } from './services/service-operations.js';
import { ServicesController } from './services/services.controller.js';
import { ServicesRepository } from './services/services.repository.js';
import { CancellationController } from './workflow/cancellation.controller.js';
import { CancellationService } from './workflow/cancellation.js';
import { Rollouts } from './workflow/rollouts.js';
import { WorkflowService } from './workflow/workflow.service.js';

/** Closes the pool once the work in hand has finished or stopped waiting (see `InFlightWork`). */
@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(private readonly db: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.db.isInitialized) await this.db.destroy();
  }
}

@Module({})
export class OrchestratorModule {
  static forRoot(config: OrchestratorConfig, bus?: InProcessBus): DynamicModule {
    return {
      module: OrchestratorModule,
      imports: [MessagingModule.forRoot('orchestrator', transportSettings(config, bus))],
      controllers: [ChatController, DeploymentsController, CancellationController, ServicesController],
      providers: [
        { provide: ORCHESTRATOR_CONFIG, useValue: config },
        {
          provide: DataSource,
          useFactory: () => openDatabase(config.DATABASE_URL, config.DATABASE_SCHEMA),
        },
        DatabaseLifecycle,
        { provide: InFlightWork, useFactory: () => new InFlightWork() },
        { provide: APP_INTERCEPTOR, useClass: InFlightInterceptor },
        // Opens sealed tokens and secrets to redact them from what is stored, to mask them and to tell a changed one; never to use them.
        { provide: SecretBox, useFactory: () => new SecretBox(secretKey(config)) },
        ServicesRepository,
        DeploymentRedactors,
        DeploymentMetrics,
        EventLog,
        Rollouts,
        WorkflowService,
        CancellationService,
        DeploymentStarter,
        ServiceOperations,
        ...CHAT_PROVIDERS,
      ],
    };
  }
}
