import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { serverStrategy, transportSettings, type InProcessBus } from '#messaging';
import { assertSafeBinding, type GatewayConfig } from './gateway.config.js';
import { GatewayModule } from './gateway.module.js';
import { HttpErrorFilter } from './http/http-error.filter.js';
import { serveWebUi } from './http/web-ui.js';
import { GatewayIoAdapter } from './socket/gateway-io.adapter.js';

/** Socket.IO and REST on one port, plus the transport on which deployment events arrive. */
export async function startGateway(
  config: GatewayConfig,
  bus?: InProcessBus,
  options: { shutdownHooks?: boolean; logger?: LogLevel[] } = {},
): Promise<INestApplication> {
  assertSafeBinding(config);
  const app = await NestFactory.create(GatewayModule.forRoot(config, bus), { logger: options.logger ?? ['log', 'warn', 'error'] });
  app.useWebSocketAdapter(new GatewayIoAdapter(app, config));
  app.useGlobalFilters(new HttpErrorFilter());
  serveWebUi(app);
  // Every gateway replica must see every event: no queue group.
  app.connectMicroservice(serverStrategy('gateway', transportSettings(config, bus), { queue: false }));
  if (options.shutdownHooks ?? true) app.enableShutdownHooks();
  await app.startAllMicroservices();
  await app.listen(config.PORT, config.HOST);
  return app;
}
