import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { appIdentity, isolationNotice, loadConfig, servergemHome } from '#common';
import { metricsListenerSettings, startMicroservice, transportSettings, useLogFormat } from '#messaging';
import { builderConfigSchema } from './builder.config.js';
import { BuilderModule } from './builder.module.js';

const config = loadConfig(builderConfigSchema);
const logger = useLogFormat(config.LOG_FORMAT);
// Said once, at start: who the apps of the local target run as and what they can reach.
const notice = isolationNotice(await appIdentity(config.APP_USER), servergemHome(config.SERVERGEM_HOME));
new Logger('builder')[notice.level === 'warn' ? 'warn' : 'log'](notice.text);
await startMicroservice(BuilderModule.forRoot(config), 'builder', transportSettings(config), { logger, metrics: metricsListenerSettings(config) });
