import 'reflect-metadata';
import { loadConfig } from '#common';
import { metricsListenerSettings, startMicroservice, transportSettings, useLogFormat } from '#messaging';
import { analyzerConfigSchema } from './analyzer.config.js';
import { AnalyzerModule } from './analyzer.module.js';

const config = loadConfig(analyzerConfigSchema);
const logger = useLogFormat(config.LOG_FORMAT);
await startMicroservice(AnalyzerModule.forRoot(config), 'analyzer', transportSettings(config), { logger, metrics: metricsListenerSettings(config) });
