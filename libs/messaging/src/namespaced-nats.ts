import { ClientNats, ServerNats, type NatsOptions } from '@nestjs/microservices';

type NatsSettings = NonNullable<NatsOptions['options']>;

/** The subject every installation's traffic actually travels on: `<namespace>.<subject>`. */
export function namespacedSubject(namespace: string, subject: string): string {
  return `${namespace}.${subject}`;
}

/**
 * Nest's NATS server with every subject under the installation's namespace, so two installations
 * on one NATS server never share a queue group or see each other's events. Handlers keep their
 * plain pattern; only the wire subject carries the prefix.
 */
export class NamespacedServerNats extends ServerNats {
  constructor(
    private readonly natsOptions: NatsSettings,
    private readonly namespace: string,
  ) {
    super(natsOptions);
  }

  override bindEvents(client: Parameters<ServerNats['bindEvents']>[0]): void {
    // Closing the connection ends these subscriptions with it.
    for (const [channel, handler] of this.messageHandlers) {
      // A broadcast handler (`{ broadcast: true }`) hears every message on its subject: every replica, no queue group.
      const queue = handler.extras?.broadcast === true ? undefined : ((handler.extras?.queue as string | undefined) ?? this.natsOptions.queue);
      client.subscribe(namespacedSubject(this.namespace, channel), { queue, callback: this.getMessageHandler(channel).bind(this) });
    }
  }
}

/** Nest's NATS client, sending on the installation's namespaced subjects. */
export class NamespacedClientNats extends ClientNats {
  constructor(
    options: NatsSettings,
    private readonly namespace: string,
  ) {
    super(options);
  }

  protected override normalizePattern(pattern: Parameters<ClientNats['normalizePattern']>[0]): string {
    return namespacedSubject(this.namespace, super.normalizePattern(pattern));
  }
}
