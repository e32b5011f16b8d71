import { ClientProxy, ClientProxyFactory, Transport, type CustomStrategy, type NatsOptions } from '@nestjs/microservices';
import { defaultInProcessBus, InProcessClient, InProcessServer, type InProcessBus } from './in-process.transport.js';

export interface TransportSettings {
  /** NATS servers; without them, services talk in-process. */
  natsUrl?: string;
  bus?: InProcessBus;
}

/**
 * How a service listens. Over NATS, workers share a queue group per service so replicas split the
 * work; gateways take no queue group, since every gateway must see every deployment event.
 */
export function serverStrategy(service: string, settings: TransportSettings, options: { queue: boolean }): NatsOptions | CustomStrategy {
  if (settings.natsUrl) {
    return {
      transport: Transport.NATS,
      options: {
        servers: settings.natsUrl.split(','),
        name: `servergem-${service}`,
        ...(options.queue ? { queue: `servergem-${service}` } : {}),
        reconnect: true,
        maxReconnectAttempts: -1,
      },
    };
  }
  return { strategy: new InProcessServer(settings.bus ?? defaultInProcessBus) };
}

export function createClientProxy(service: string, settings: TransportSettings): ClientProxy {
  if (settings.natsUrl) {
    return ClientProxyFactory.create({
      transport: Transport.NATS,
      options: {
        servers: settings.natsUrl.split(','),
        name: `servergem-${service}-client`,
        reconnect: true,
        maxReconnectAttempts: -1,
      },
    });
  }
  return new InProcessClient(settings.bus ?? defaultInProcessBus);
}
