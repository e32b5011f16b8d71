import type { ClientProxy, CustomStrategy } from '@nestjs/microservices';
import { z } from 'zod';
import { defaultInProcessBus, InProcessClient, InProcessServer, type InProcessBus } from './in-process.transport.js';
import { JetStreamJobQueue } from './jetstream-jobs.js';
import { NamespacedClientNats, NamespacedServerNats } from './namespaced-nats.js';
import type { StepJobQueue } from './step-jobs.js';

/** The transport settings every service's config schema shares. */
export const transportConfigFields = {
  /** NATS servers; without them, services talk in-process. */
  NATS_URL: z.string().optional(),
  /** Every NATS subject (and, later, stream) starts with it, so installations sharing a NATS server stay apart. */
  SERVERGEM_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" and "_" only (it becomes the first token of every NATS subject)')
    .default('servergem'),
  /** How long a worker may go silent on a step before its job is handed to another replica (distributed mode). */
  STEP_ACK_WAIT_SECONDS: z.coerce.number().int().min(2).max(600).default(30),
  /** How long a step's job may wait with no worker of its service running before it fails `SERVICE_UNAVAILABLE` (distributed mode). */
  STEP_NO_WORKER_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
};

export interface TransportSettings {
  /** NATS servers; without them, services talk in-process. */
  natsUrl?: string;
  /** The installation's subject prefix (`SERVERGEM_NAMESPACE`). */
  namespace?: string;
  /** How long a worker may go silent on a step's job before it is delivered again. */
  ackWaitMs?: number;
  /** How long a step's job may wait with no worker of its service running before it fails. */
  unavailableAfterMs?: number;
  bus?: InProcessBus;
}

/** The settings a service's parsed config gives its transport. */
export function transportSettings(
  config: { NATS_URL?: string; SERVERGEM_NAMESPACE?: string; STEP_ACK_WAIT_SECONDS?: number; STEP_NO_WORKER_SECONDS?: number },
  bus?: InProcessBus,
): TransportSettings {
  return {
    natsUrl: config.NATS_URL,
    namespace: config.SERVERGEM_NAMESPACE,
    ackWaitMs: config.STEP_ACK_WAIT_SECONDS === undefined ? undefined : config.STEP_ACK_WAIT_SECONDS * 1000,
    unavailableAfterMs: config.STEP_NO_WORKER_SECONDS === undefined ? undefined : config.STEP_NO_WORKER_SECONDS * 1000,
    bus,
  };
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
        { ackWaitMs: settings.ackWaitMs },
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

/** The work queue the orchestrator runs steps on: the bus's own in-process one, or JetStream over NATS. */
export function createStepJobQueue(service: string, settings: TransportSettings): StepJobQueue {
  if (settings.natsUrl) {
    const namespace = settings.namespace ?? DEFAULT_NAMESPACE;
    return new JetStreamJobQueue({
      servers: settings.natsUrl.split(','),
      name: `${namespace}-${service}-jobs`,
      namespace,
      ackWaitMs: settings.ackWaitMs,
      unavailableAfterMs: settings.unavailableAfterMs,
    });
  }
  return (settings.bus ?? defaultInProcessBus).jobs;
}
