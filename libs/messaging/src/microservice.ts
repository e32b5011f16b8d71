import { Logger, type DynamicModule, type INestMicroservice, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LogContextInterceptor } from './observability/log-context.interceptor.js';
import { startMetricsListener, type MetricsListenerSettings } from './observability/metrics-listener.js';
import { RpcErrorFilter } from './rpc-error.filter.js';
import { serverStrategy, type TransportSettings } from './transport.js';

export interface MicroserviceOptions {
  shutdownHooks?: boolean;
  /** Levels for Nest's text logger, or the logger itself (see `useLogFormat`). */
  logger?: LogLevel[] | LoggerService;
  /** A listener for this service's `/metrics`, when it runs on its own (METRICS_PORT). */
  metrics?: MetricsListenerSettings;
}

/** Starts a worker service on NATS (one queue group per service) or on the in-process bus. */
export async function startMicroservice(
  module: DynamicModule,
  service: string,
  settings: TransportSettings,
  options: MicroserviceOptions = {},
): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(module, {
    ...serverStrategy(service, settings, { queue: true }),
    logger: options.logger ?? ['log', 'warn', 'error'],
  });
  app.useGlobalFilters(new RpcErrorFilter());
  app.useGlobalInterceptors(new LogContextInterceptor());
  // A process running several services handles signals once, itself.
  if (options.shutdownHooks ?? true) app.enableShutdownHooks();
  await app.listen();
  if (options.metrics) {
    // Ends with the process: the shutdown hooks end it once the service has closed.
    const listener = await startMetricsListener(options.metrics);
    new Logger(service).log(`Metrics at ${listener.url}`);
  }
  return app;
}

/** The metrics listener a service's parsed config asks for, if any. */
export function metricsListenerSettings(config: { METRICS_PORT?: number; METRICS_HOST: string; METRICS_TOKEN?: string }): MetricsListenerSettings | undefined {
  return config.METRICS_PORT === undefined ? undefined : { port: config.METRICS_PORT, host: config.METRICS_HOST, token: config.METRICS_TOKEN };
}
