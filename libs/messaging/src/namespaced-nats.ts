import { ClientNats, NatsContext, ServerNats, type NatsOptions } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { lastValueFrom } from 'rxjs';
import { DomainError } from '#common';
import { JetStreamJobQueue } from './jetstream-jobs.js';
import { DEFAULT_ACK_WAIT_MS, serviceOfStep, STEP_SUBJECTS, stepJobHandler, type StepName } from './step-jobs.js';

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
  private jobs: JetStreamJobQueue | undefined;
  private stopJobs: (() => Promise<void>)[] = [];

  constructor(
    private readonly natsOptions: NatsSettings,
    private readonly namespace: string,
    private readonly jobOptions: { ackWaitMs?: number } = {},
  ) {
    super(natsOptions);
  }

  override bindEvents(client: Parameters<ServerNats['bindEvents']>[0]): void {
    this.consumeStepJobs(client as unknown as NatsConnection);
    // Closing the connection ends these subscriptions with it.
    for (const [channel, handler] of this.messageHandlers) {
      // A broadcast handler (`{ broadcast: true }`) hears every message on its subject: every replica, no queue group.
      const queue = handler.extras?.broadcast === true ? undefined : ((handler.extras?.queue as string | undefined) ?? this.natsOptions.queue);
      client.subscribe(namespacedSubject(this.namespace, channel), { queue, callback: this.getMessageHandler(channel).bind(this) });
    }
  }

  override async close(): Promise<void> {
    await Promise.all(this.stopJobs.splice(0).map((stop) => stop()));
    await this.jobs?.close();
    await super.close();
  }

  /**
   * The steps this server handles also come as jobs on the installation's JetStream work queue,
   * to the same handlers: one durable consumer per service, shared by its replicas.
   */
  private consumeStepJobs(connection: NatsConnection): void {
    const steps = (Object.keys(STEP_SUBJECTS) as StepName[]).filter((step) => this.getHandlerByPattern(STEP_SUBJECTS[step].subject));
    if (steps.length === 0) return;
    const ackWaitMs = this.jobOptions.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    this.jobs = new JetStreamJobQueue({ namespace: this.namespace, connection, ackWaitMs });
    const handler = stepJobHandler((subject, payload) => this.dispatch(subject, payload), {
      // Well within the ack wait, so one late heartbeat never hands a running step to someone else.
      heartbeatMs: Math.max(500, Math.floor(ackWaitMs / 4)),
      onRetry: (job, delivery) => this.logger.warn(`Job ${job.id} came again (delivery ${delivery}): the worker that had it stopped answering`),
    });
    for (const service of new Set(steps.map(serviceOfStep))) {
      void this.jobs
        .consume(
          service,
          steps.filter((step) => serviceOfStep(step) === service),
          handler,
        )
        .then((stop) => this.stopJobs.push(stop))
        .catch((error: unknown) => this.logger.error(`Could not take ${service} jobs from JetStream: ${String(error)}`));
    }
  }

  /** Runs a request handler as a request on its subject would, and resolves with its reply (or rejects with its error). */
  private async dispatch(subject: string, payload: unknown): Promise<unknown> {
    const handler = this.getHandlerByPattern(subject);
    if (!handler) throw new DomainError('INTERNAL', `No handler for ${subject} here.`);
    const context = new NatsContext([namespacedSubject(this.namespace, subject), undefined as never]);
    return lastValueFrom(this.transformToObservable(await handler(payload, context)), { defaultValue: undefined });
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
