import 'reflect-metadata';
import { loadConfig } from '#common';
import { startMicroservice, transportSettings } from '#messaging';
import { analyzerConfigSchema } from './analyzer.config.js';
import { AnalyzerModule } from './analyzer.module.js';

const config = loadConfig(analyzerConfigSchema);
await startMicroservice(AnalyzerModule.forRoot(config), 'analyzer', transportSettings(config));
