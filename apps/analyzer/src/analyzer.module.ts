import { Module, type DynamicModule } from '@nestjs/common';
import { SecretBox, secretKey } from '#common';
import { MessagingModule, transportSettings, type InProcessBus, StepCancelController } from '#messaging';
import { AnalyzeController } from './analyze.controller.js';
import { ANALYZER_CONFIG, type AnalyzerConfig } from './analyzer.config.js';
import { AnalyzerService } from './analyzer.service.js';
import { GeminiAdvisor } from './gemini/gemini.advisor.js';
import { GithubController } from './github/github.controller.js';
import { GithubService } from './github/github.service.js';

@Module({})
export class AnalyzerModule {
  static forRoot(config: AnalyzerConfig, bus?: InProcessBus): DynamicModule {
    return {
      module: AnalyzerModule,
      imports: [MessagingModule.forRoot('analyzer', transportSettings(config, bus))],
      controllers: [AnalyzeController, GithubController, StepCancelController],
      providers: [
        { provide: ANALYZER_CONFIG, useValue: config },
        { provide: SecretBox, useFactory: () => new SecretBox(secretKey(config)) },
        AnalyzerService,
        GeminiAdvisor,
        GithubService,
      ],
    };
  }
}
