import type { ClientProxy, CustomStrategy } from '@nestjs/microservices';
import { z } from 'zod';
import { defaultInProcessBus, InProcessClient, InProcessServer, type InProcessBus } from './in-process.transport.js';
import { NamespacedClientNats, NamespacedServerNats } from './namespaced-nats.js';

/** The transport settings every service's config schema shares. */
export const transportConfigFields = {
  /** NATS servers; without them, services talk in-process. */
  NATS_URL: z.string().optional(),
  /** Every NATS subject (and, later, stream) starts with it, so installations sharing a NATS server stay apart. */
  SERVERGEM_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" and "_" only (it becomes the first token of every NATS subject)')
    .default('servergem'),
};

export interface TransportSettings {
  /** NATS servers; without them, services talk in-process. */
  natsUrl?: string;
  /** The installation's subject prefix (`SERVERGEM_NAMESPACE`). */
  namespace?: string;
  bus?: InProcessBus;
}

/** The settings a service's parsed config gives its transport. */
export function transportSettings(config: { NATS_URL?: string; SERVERGEM_NAMESPACE?: string }, bus?: InProcessBus): TransportSettings {
  return { natsUrl: config.NATS_URL, namespace: config.SERVERGEM_NAMESPACE, bus };
}

const DEFAULT_NAMESPACE = 'servergem';

/**
 * How a service listens. Over NATS, workers share a queue group per service so replicas split the
 * work; gateways take no queue group, since every gateway must see every deployment event.
 */
export function serverStrategy(service: string, settings: TransportSettings, options: { queue: boolean }): CustomStrategy {
  if (settings.natsUrl) {
    const namespace = settings.namespace ?? DEFAULT_NAMESPACE;
    return {
      strategy: new NamespacedServerNats(
        {
          servers: settings.natsUrl.split(','),
          name: `${namespace}-${service}`,
          ...(options.queue ? { queue: `${namespace}-${service}` } : {}),
          reconnect: true,
          maxReconnectAttempts: -1,
        },
        namespace,
      ),
    };
  }
  return { strategy: new InProcessServer(settings.bus ?? defaultInProcessBus) };
}

export function createClientProxy(service: string, settings: TransportSettings): ClientProxy {
  if (settings.natsUrl) {
    const namespace = settings.namespace ?? DEFAULT_NAMESPACE;
    const client = new NamespacedClientNats(
      { servers: settings.natsUrl.split(','), name: `${namespace}-${service}-client`, reconnect: true, maxReconnectAttempts: -1 },
      namespace,
    );
    // Its status stream is typed with NATS' own states; the proxy's interface is all callers use.
    return client as unknown as ClientProxy;
  }
  return new InProcessClient(settings.bus ?? defaultInProcessBus);
}
