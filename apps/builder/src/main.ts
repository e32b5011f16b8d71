import 'reflect-metadata';
import { loadConfig } from '#common';
import { startMicroservice, transportSettings } from '#messaging';
import { builderConfigSchema } from './builder.config.js';
import { BuilderModule } from './builder.module.js';

const config = loadConfig(builderConfigSchema);
await startMicroservice(BuilderModule.forRoot(config), 'builder', transportSettings(config));
