import 'reflect-metadata';
import { loadConfig } from '#common';
import { startMicroservice, transportSettings } from '#messaging';
import { deployerConfigSchema } from './deployer.config.js';
import { DeployerModule } from './deployer.module.js';

const config = loadConfig(deployerConfigSchema);
await startMicroservice(DeployerModule.forRoot(config), 'deployer', transportSettings(config));
