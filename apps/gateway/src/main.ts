import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from '#common';
import { useLogFormat } from '#messaging';
import { AccessTokens } from './access-tokens.js';
import { startGateway } from './gateway.bootstrap.js';
import { gatewayConfigSchema } from './gateway.config.js';

const config = loadConfig(gatewayConfigSchema);
const app = await startGateway(config, undefined, { logger: useLogFormat(config.LOG_FORMAT) });
const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
const logger = new Logger('gateway');
logger.log(`Listening on ${url}`);
const { loginToken } = app.get(AccessTokens);
if (loginToken) logger.log(`Log a browser in with ${url}/?token=${encodeURIComponent(loginToken)}`);
