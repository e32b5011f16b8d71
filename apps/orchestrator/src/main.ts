import 'reflect-metadata';
import { loadConfig } from '#common';
import { startMicroservice, transportSettings } from '#messaging';
import { orchestratorConfigSchema } from './orchestrator.config.js';
import { OrchestratorModule } from './orchestrator.module.js';

const config = loadConfig(orchestratorConfigSchema);
await startMicroservice(OrchestratorModule.forRoot(config), 'orchestrator', transportSettings(config));
