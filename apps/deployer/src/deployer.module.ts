import { Module, type DynamicModule } from '@nestjs/common';
import { MessagingModule, transportSettings, type InProcessBus, StepCancelController } from '#messaging';
import { DeployController } from './deploy.controller.js';
import { DEPLOYER_CONFIG, type DeployerConfig } from './deployer.config.js';
import { DeployerService } from './deployer.service.js';
import { RuntimeController } from './runtime.controller.js';

@Module({})
export class DeployerModule {
  static forRoot(config: DeployerConfig, bus?: InProcessBus): DynamicModule {
    return {
      module: DeployerModule,
      imports: [MessagingModule.forRoot('deployer', transportSettings(config, bus))],
      controllers: [DeployController, RuntimeController, StepCancelController],
      providers: [{ provide: DEPLOYER_CONFIG, useValue: config }, DeployerService],
    };
  }
}
