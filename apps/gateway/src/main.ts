import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from '#common';
import { startGateway } from './gateway.bootstrap.js';
import { gatewayConfigSchema } from './gateway.config.js';

const config = loadConfig(gatewayConfigSchema);
const app = await startGateway(config);
new Logger('gateway').log(`Listening on ${await app.getUrl()}`);
