import { Module, type DynamicModule } from '@nestjs/common';
import { SecretBox, secretKey } from '#common';
import { MessagingModule, transportSettings, type InProcessBus, StepCancelController } from '#messaging';
import { BuildController } from './build.controller.js';
import { BUILDER_CONFIG, type BuilderConfig } from './builder.config.js';
import { BuilderService } from './builder.service.js';

@Module({})
export class BuilderModule {
  static forRoot(config: BuilderConfig, bus?: InProcessBus): DynamicModule {
    return {
      module: BuilderModule,
      imports: [MessagingModule.forRoot('builder', transportSettings(config, bus))],
      controllers: [BuildController, StepCancelController],
      providers: [{ provide: BUILDER_CONFIG, useValue: config }, { provide: SecretBox, useFactory: () => new SecretBox(secretKey(config)) }, BuilderService],
    };
  }
}
