import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { appIdentity, isolationNotice, loadConfig, servergemHome } from '#common';
import { metricsListenerSettings, startMicroservice, transportSettings, useLogFormat } from '#messaging';
import { deployerConfigSchema } from './deployer.config.js';
import { DeployerModule } from './deployer.module.js';

const config = loadConfig(deployerConfigSchema);
const logger = useLogFormat(config.LOG_FORMAT);
// Said once, at start: who the apps of the local target run as and what they can reach.
const notice = isolationNotice(await appIdentity(config.APP_USER), servergemHome(config.SERVERGEM_HOME));
new Logger('deployer')[notice.level === 'warn' ? 'warn' : 'log'](notice.text);
await startMicroservice(DeployerModule.forRoot(config), 'deployer', transportSettings(config), { logger, metrics: metricsListenerSettings(config) });
