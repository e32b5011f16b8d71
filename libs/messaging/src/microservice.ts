import { type DynamicModule, type INestMicroservice, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RpcErrorFilter } from './rpc-error.filter.js';
import { serverStrategy, type TransportSettings } from './transport.js';

/** Starts a worker service on NATS (one queue group per service) or on the in-process bus. */
export async function startMicroservice(
  module: DynamicModule,
  service: string,
  settings: TransportSettings,
  options: { shutdownHooks?: boolean; logger?: LogLevel[] } = {},
): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(module, {
    ...serverStrategy(service, settings, { queue: true }),
    logger: options.logger ?? ['log', 'warn', 'error'],
  });
  app.useGlobalFilters(new RpcErrorFilter());
  // A process running several services handles signals once, itself.
  if (options.shutdownHooks ?? true) app.enableShutdownHooks();
  await app.listen();
  return app;
}
