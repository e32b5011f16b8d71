import 'reflect-metadata';
import { loadConfig } from '#common';
import { metricsListenerSettings, startMicroservice, transportSettings, useLogFormat } from '#messaging';
import { orchestratorConfigSchema } from './orchestrator.config.js';
import { OrchestratorModule } from './orchestrator.module.js';

const config = loadConfig(orchestratorConfigSchema);
const logger = useLogFormat(config.LOG_FORMAT);
await startMicroservice(OrchestratorModule.forRoot(config), 'orchestrator', transportSettings(config), { logger, metrics: metricsListenerSettings(config) });
