import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LogContextInterceptor, serverStrategy, transportSettings, type InProcessBus } from '#messaging';
import { AccessTokens } from './access-tokens.js';
import { FrontDoor } from './front-door.js';
import { assertSafeBinding, type GatewayConfig } from './gateway.config.js';
import { GatewayModule } from './gateway.module.js';
import { frontDoorMiddleware } from './http/front-door.middleware.js';
import { HttpErrorFilter } from './http/http-error.filter.js';
import { findWebDir, serveWebUi } from './http/web-ui.js';
import { RefusalLog } from './refusal-log.js';
import { GatewayIoAdapter } from './socket/gateway-io.adapter.js';

/** Socket.IO and REST on one port, plus the transport on which deployment events arrive. */
export async function startGateway(
  config: GatewayConfig,
  bus?: InProcessBus,
  options: { shutdownHooks?: boolean; logger?: LogLevel[] | LoggerService } = {},
): Promise<INestApplication> {
  assertSafeBinding(config);
  // Made (or read) before anything listens, so a bad token file stops the start with its reason.
  const tokens = AccessTokens.forConfig(config);
  const door = new FrontDoor(config);
  const refusals = new RefusalLog();
  const app = await NestFactory.create(GatewayModule.forRoot(config, tokens, bus), { logger: options.logger ?? ['log', 'warn', 'error'] });
  app.useWebSocketAdapter(new GatewayIoAdapter(app, { config, door, tokens, refusals }));
  app.useGlobalFilters(new HttpErrorFilter());
  app.useGlobalInterceptors(new LogContextInterceptor());
  // First in line: before the web UI's files, the body parsers and every route.
  app.use(frontDoorMiddleware(door, refusals));
  serveWebUi(app, findWebDir(config.WEB_DIR));
  // Every gateway replica must see every event: no queue group.
  app.connectMicroservice(serverStrategy('gateway', transportSettings(config, bus), { queue: false }));
  if (options.shutdownHooks ?? true) app.enableShutdownHooks();
  await app.startAllMicroservices();
  await app.listen(config.PORT, config.HOST);
  return app;
}
