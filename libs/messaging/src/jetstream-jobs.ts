import { Logger } from '@nestjs/common';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { DomainError } from '#common';
import {
  DEFAULT_ACK_WAIT_MS,
  isStepResult,
  lateResultDropped,
  MAX_DELIVERIES,
  STEP_SUBJECTS,
  type JobHandler,
  type StepJob,
  type StepJobQueue,
  type StepName,
  type StepResult,
} from './step-jobs.js';

export interface JetStreamJobQueueOptions {
  namespace: string;
  /** Where to connect, unless a connection is given (a worker shares its server's). */
  servers?: string[];
  name?: string;
  connection?: NatsConnection;
  ackWaitMs?: number;
  /** How many jobs one worker process runs at once (`DEFAULT_JOBS_AT_ONCE` unless said). */
  concurrency?: number;
  /** How long a job may wait with no worker of its service alive before it fails `SERVICE_UNAVAILABLE`. */
  unavailableAfterMs?: number;
  /** How often the orchestrator looks at a job it waits for (`CHECK_EVERY_MS`, or a third of a shorter no-worker wait, unless said). */
  checkEveryMs?: number;
  /** How long one JetStream request may take before it counts as failed (the client library's default unless said). */
  requestTimeoutMs?: number;
}

/** How many jobs of its service one worker process takes at once: each has a pull of its own waiting on the consumer while idle. */
export const DEFAULT_JOBS_AT_ONCE = 4;

/** The streams of an installation: its jobs (a work queue) and their results (kept a day). */
export function stepStreams(namespace: string) {
  return {
    jobs: `${namespace}-step-jobs`,
    results: `${namespace}-step-results`,
    jobSubject: (service: string) => `${namespace}.steps.jobs.${service}`,
    resultSubject: (jobId: string) => `${namespace}.steps.results.${jobId.replaceAll(':', '.')}`,
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encode = (value: unknown) => encoder.encode(JSON.stringify(value));
const decode = <T>(data: Uint8Array) => JSON.parse(decoder.decode(data)) as T;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** JetStream's answer to a publish whose expected last sequence on its subject is not the last one. */
const WRONG_LAST_SEQUENCE = 10071;
/** JetStream's answer about a consumer that does not exist. */
const CONSUMER_NOT_FOUND = 10014;

/** A delivery's claim on its job, stored on the job's result subject before the step runs. */
interface Claim {
  claim: number;
}

/** How often the orchestrator looks at a job it waits for (a missed result, a service with nobody left). */
const CHECK_EVERY_MS = 3000;
/**
 * How long a job waits with no worker of its service alive before it fails `SERVICE_UNAVAILABLE`
 * (`STEP_NO_WORKER_SECONDS` unless set): long enough for a crashed worker to be restarted, short enough that a deployment with none at
 * all says so within half a minute (plus one check).
 */
const UNAVAILABLE_AFTER_MS = 15_000;

/**
 * Steps as jobs on JetStream. The orchestrator publishes a job to the installation's work-queue
 * stream with its id as `Nats-Msg-Id` (so a resumed run publishing it again adds nothing) and
 * waits for its result on the results stream. Each worker service has one durable pull consumer
 * that its replicas share; a worker acknowledges progress (`working()`) while the step runs, so
 * a silent worker's job is delivered again after `ack_wait`, at most `MAX_DELIVERIES` times
 * (the delivery after that stores an `INTERRUPTED` result). A result is stored before its job
 * is acknowledged, under the job's id, so a duplicate result is dropped and an orchestrator that
 * restarts finds what finished while it was away.
 *
 * Each delivery first claims the job on its result subject; its result is stored by
 * compare-and-set on that subject's last sequence (its own claim), so the result of a delivery
 * that was given up while it went on working (a later delivery claimed the job since) is discarded.
 */
export class JetStreamJobQueue implements StepJobQueue {
  private readonly logger = new Logger(JetStreamJobQueue.name);
  private readonly streams: ReturnType<typeof stepStreams>;
  private readonly ackWaitMs: number;
  private readonly unavailableAfterMs: number;
  private readonly checkEveryMs: number;
  private setup: Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }> | undefined;
  private closed = false;

  constructor(private readonly options: JetStreamJobQueueOptions) {
    this.streams = stepStreams(options.namespace);
    this.ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    this.unavailableAfterMs = options.unavailableAfterMs ?? UNAVAILABLE_AFTER_MS;
    // A shorter no-worker wait is looked at often enough to be kept to within a third of it.
    this.checkEveryMs = options.checkEveryMs ?? Math.min(CHECK_EVERY_MS, Math.max(250, Math.round(this.unavailableAfterMs / 3)));
  }

  private ready() {
    this.setup ??= (async () => {
      const nc =
        this.options.connection ?? (await connect({ servers: this.options.servers, name: this.options.name, reconnect: true, maxReconnectAttempts: -1 }));
      const timeout = this.options.requestTimeoutMs === undefined ? {} : { timeout: this.options.requestTimeoutMs };
      const jsm = await jetstreamManager(nc, timeout);
      await this.ensureStreams(jsm);
      return { nc, js: jetstream(nc, timeout), jsm };
    })();
    this.setup.catch(() => (this.setup = undefined));
    return this.setup;
  }

  private async ensureStreams(jsm: JetStreamManager): Promise<void> {
    const wanted = [
      {
        name: this.streams.jobs,
        subjects: [this.streams.jobSubject('*')],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
        // A resumed run republishes its job: within this window the stream takes it once.
        duplicate_window: nanos(2 * 3600_000),
      },
      {
        name: this.streams.results,
        subjects: [this.streams.resultSubject('>')],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_age: nanos(24 * 3600_000),
        duplicate_window: nanos(3600_000),
      },
    ];
    for (const config of wanted) {
      const exists = await jsm.streams.info(config.name).then(
        () => true,
        () => false,
      );
      if (exists) continue;
      await jsm.streams.add(config).catch(async (error: unknown) => {
        // Another service created it at the same moment.
        if (
          !(await jsm.streams.info(config.name).then(
            () => true,
            () => false,
          ))
        )
          throw error;
      });
    }
  }

  async run(job: StepJob, options: { service: string; signal?: AbortSignal }): Promise<StepResult> {
    const { nc, js, jsm } = await this.ready();
    const resultSubject = this.streams.resultSubject(job.id);
    const stored = async (): Promise<StepResult | null> => {
      const message = await jsm.streams.getMessage(this.streams.results, { last_by_subj: resultSubject }).catch(() => null);
      const value = message ? decode<StepResult | Claim>(message.data) : null;
      return isStepResult(value) ? value : null;
    };
    return new Promise<StepResult>((resolve, reject) => {
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      let idleSince: number | undefined;
      const finish = (result: StepResult | Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sub.unsubscribe();
        options.signal?.removeEventListener('abort', onAbort);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const onAbort = () => finish(new DomainError('CANCELLED', 'The deployment was cancelled.'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      // Listening before looking: a result stored in between is seen either way.
      const sub = nc.subscribe(resultSubject, {
        callback: (error, message) => {
          // Only a result the stream stored counts: a plain subscriber also hears a publish the stream
          // refused (the late result of a delivery given up for dead), and a claim is no result.
          if (!error && isStepResult(decode<StepResult | Claim>(message.data)))
            void stored().then(
              (result) => result && finish(result),
              () => undefined,
            );
        },
      });
      let jobSeq: number | undefined;
      const check = async () => {
        if (done) return;
        const result = await stored();
        if (result) return finish(result);
        if (await this.nobodyServes(jsm, options.service)) {
          idleSince ??= Date.now();
          if (Date.now() - idleSince >= this.unavailableAfterMs) {
            // Nobody will run it: it leaves the queue, so a worker started later does not run a step nobody waits for.
            if (jobSeq !== undefined) await jsm.streams.deleteMessage(this.streams.jobs, jobSeq).catch(() => undefined);
            const def = STEP_SUBJECTS[job.step];
            return finish({
              ok: false,
              error: new DomainError(
                'SERVICE_UNAVAILABLE',
                `The ${def.service} is unavailable: no ${def.service} took the ${job.step} step within ${Math.round(this.unavailableAfterMs / 1000)} s.`,
                `Start the ${def.service} service and try again.`,
              ).toWire(),
            });
          }
        } else idleSince = undefined;
        if (!done) timer = setTimeout(() => void check().catch(() => undefined), this.checkEveryMs);
      };
      void (async () => {
        const result = await stored();
        if (result) return finish(result);
        const ack = await js.publish(this.streams.jobSubject(options.service), encode(job), { msgID: job.id });
        jobSeq = ack.seq;
        await check();
      })().catch((error: unknown) => finish(error instanceof Error ? error : new Error(String(error))));
    });
  }

  /**
   * No replica of the service is waiting for work or holding any: its consumer has nobody behind
   * it, or there is none. NATS itself out of reach (restarting) is no sign that the service is.
   */
  private async nobodyServes(jsm: JetStreamManager, service: string): Promise<boolean> {
    const info = await jsm.consumers
      .info(this.streams.jobs, service)
      .catch((error: unknown) => ((error as { code?: unknown }).code === CONSUMER_NOT_FOUND ? null : undefined));
    if (info === undefined) return false;
    return !info || (info.num_waiting === 0 && info.num_ack_pending === 0);
  }

  async consume(service: string, steps: StepName[], handler: JobHandler): Promise<() => Promise<void>> {
    const { js, jsm } = await this.ready();
    const config = {
      durable_name: service,
      filter_subject: this.streams.jobSubject(service),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.ackWaitMs),
      // The delivery after the last allowed one only stores the job's `INTERRUPTED` result.
      max_deliver: MAX_DELIVERIES + 1,
    };
    const existing = await jsm.consumers.info(this.streams.jobs, service).catch(() => null);
    if (!existing)
      await jsm.consumers.add(this.streams.jobs, config).catch(() => jsm.consumers.update(this.streams.jobs, service, { ack_wait: config.ack_wait }));
    else if (existing.config.ack_wait !== config.ack_wait || existing.config.max_deliver !== config.max_deliver)
      await jsm.consumers.update(this.streams.jobs, service, { ack_wait: config.ack_wait, max_deliver: config.max_deliver });
    const consumer = await js.consumers.get(this.streams.jobs, service);
    let stopping = false;
    // Each slot takes a job only when it is free: nothing waits in a buffer while its ack_wait runs.
    for (let slot = 0; slot < (this.options.concurrency ?? DEFAULT_JOBS_AT_ONCE); slot++) {
      void (async () => {
        while (!stopping && !this.closed) {
          const message = await consumer.next({ expires: 3000 }).catch(async (error: unknown) => {
            if (!stopping) this.logger.warn(`Waiting for ${service} jobs failed (retrying): ${String(error)}`);
            await sleep(1000);
            return null;
          });
          if (message) await this.handle(js, jsm, message, steps, handler);
        }
      })();
    }
    // A pull still open when it stops brings at most one more job, which is run like any other.
    return async () => {
      stopping = true;
    };
  }

  private async handle(js: JetStreamClient, jsm: JetStreamManager, message: JsMsg, steps: StepName[], handler: JobHandler): Promise<void> {
    let job: StepJob;
    try {
      job = decode<StepJob>(message.data);
    } catch {
      message.term('not a step job');
      return;
    }
    if (!steps.includes(job.step)) {
      message.term(`no handler for the ${job.step} step here`);
      return;
    }
    const resultSubject = this.streams.resultSubject(job.id);
    const last = await jsm.streams.getMessage(this.streams.results, { last_by_subj: resultSubject }).catch(() => null);
    // A job whose result is stored already (its worker died between storing it and the ack) runs no second time.
    if (last && isStepResult(decode<StepResult | Claim>(last.data))) {
      message.ack();
      return;
    }
    const delivery = message.info.deliveryCount;
    const claimed = await this.publishRetrying(job, () => js.publish(resultSubject, encode({ claim: delivery } satisfies Claim)));
    if (!claimed || claimed === 'superseded') return;
    const result = await handler({ job, delivery, working: () => message.working() });
    const stored = await this.publishRetrying(job, () =>
      js.publish(resultSubject, encode(result), { msgID: job.id, expect: { lastSubjectSequence: claimed.seq } }),
    );
    if (stored === 'superseded') {
      // Another delivery claimed the job while this one went on (it was taken for dead): its result counts, not this one.
      this.logger.warn(lateResultDropped(job, delivery, 'a later delivery took the job over after this one went silent, and its result counts.'));
      return;
    }
    if (!stored) return;
    if (stored.duplicate) await this.reportDuplicate(jsm, job, delivery, stored.seq);
    if (result.ok || result.error.code !== 'INTERRUPTED' || (result.delivery ?? 0) <= MAX_DELIVERIES) message.ack();
    else message.term('delivered too often');
  }

  /**
   * The stream took a result of the job already (the job id is its `Nats-Msg-Id`) and kept this one
   * out. Either it is this delivery's own, stored by a publish whose answer was lost and retried, or
   * a later delivery took the job over and finished first: then this result is dropped, and says so.
   */
  private async reportDuplicate(jsm: JetStreamManager, job: StepJob, delivery: number, seq: number): Promise<void> {
    const kept = await jsm.streams.getMessage(this.streams.results, { seq }).then(
      (message) => (message ? decode<StepResult | Claim>(message.data) : null),
      () => null,
    );
    const by = isStepResult(kept) ? kept.delivery : undefined;
    if (by === delivery) return;
    this.logger.warn(
      lateResultDropped(
        job,
        delivery,
        `${by === undefined ? 'a later delivery' : `delivery ${by}`} took the job over after this one went silent, and its result is stored already (the results stream de-duplicates results by job id).`,
      ),
    );
  }

  /**
   * Publishes to the results stream, retrying while NATS is away (the job, unacknowledged, comes
   * again after ack_wait if it never gets through); `superseded` when a later claim is there.
   */
  private async publishRetrying(
    job: StepJob,
    publish: () => Promise<{ seq: number; duplicate: boolean }>,
  ): Promise<{ seq: number; duplicate: boolean } | 'superseded' | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await publish();
      } catch (error) {
        if ((error as { code?: unknown }).code === WRONG_LAST_SEQUENCE) return 'superseded';
        if (attempt >= 5) {
          this.logger.error(`Could not store the progress of ${job.id}: ${String(error)}`);
          return null;
        }
        await sleep(1000 * attempt);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const setup = this.setup;
    if (!setup || this.options.connection) return;
    const { nc } = await setup.catch(() => ({ nc: undefined }));
    await nc?.drain().catch(() => undefined);
  }
}
