import { Logger } from '@nestjs/common';
import { DomainError } from '#common';
import {
  interruptedResult,
  lateResultDropped,
  DEFAULT_ACK_WAIT_MS,
  MAX_DELIVERIES,
  STEP_SUBJECTS,
  type JobHandler,
  type StepJob,
  type StepJobQueue,
  type StepName,
  type StepResult,
} from './step-jobs.js';

const KEEP_RESULTS_MS = 15 * 60_000;

interface Consumer {
  service: string;
  steps: StepName[];
  handler: JobHandler;
}

interface Entry {
  job: StepJob;
  service: string;
  deliveries: number;
  /** The delivery whose result counts; an earlier one that went silent and answers late is ignored. */
  current: number;
  timer?: NodeJS.Timeout;
  result?: StepResult;
  waiters: ((result: StepResult) => void)[];
}

/**
 * The work queue of the all-in-one mode, with JetStream's semantics in memory: one delivery at a
 * time per job, round robin over a service's consumers, redelivery when a delivery goes silent for
 * `ackWaitMs`, `INTERRUPTED` after `MAX_DELIVERIES`, de-duplication by job id, results kept.
 */
export class InProcessJobQueue implements StepJobQueue {
  private readonly logger = new Logger(InProcessJobQueue.name);
  private readonly consumers: Consumer[] = [];
  private readonly entries = new Map<string, Entry>();
  private turn = 0;

  constructor(private readonly ackWaitMs: number = DEFAULT_ACK_WAIT_MS) {}

  async run(job: StepJob, options: { service: string; signal?: AbortSignal }): Promise<StepResult> {
    let entry = this.entries.get(job.id);
    if (!entry) {
      if (!this.consumers.some((c) => c.service === options.service && c.steps.includes(job.step))) {
        const def = STEP_SUBJECTS[job.step];
        return {
          ok: false,
          error: new DomainError(
            'SERVICE_UNAVAILABLE',
            `The ${def.service} is unavailable: no instance is listening on ${def.subject}.`,
            `Start the ${def.service} service (or the all-in-one server) and try again.`,
          ).toWire(),
        };
      }
      entry = { job: structuredClone(job), service: options.service, deliveries: 0, current: 0, waiters: [] };
      this.entries.set(job.id, entry);
      this.deliver(entry);
    }
    if (entry.result) return entry.result;
    const waiting = entry;
    return new Promise<StepResult>((resolve) => waiting.waiters.push(resolve));
  }

  async consume(service: string, steps: StepName[], handler: JobHandler): Promise<() => Promise<void>> {
    const consumer = { service, steps, handler };
    this.consumers.push(consumer);
    return async () => {
      const index = this.consumers.indexOf(consumer);
      if (index >= 0) this.consumers.splice(index, 1);
    };
  }

  /** The queue lives as long as its bus: the services that share it close on their own. */
  async close(): Promise<void> {
    // Nothing to release: its timers never hold the process open.
  }

  /** Hands the job to the next consumer of its service; with none there now, tries again after the ack wait. */
  private deliver(entry: Entry): void {
    if (entry.result) return;
    const delivery = ++entry.deliveries;
    entry.current = delivery;
    const candidates = this.consumers.filter((c) => c.service === entry.service && c.steps.includes(entry.job.step));
    const expire = () => {
      clearTimeout(entry.timer);
      entry.timer = setTimeout(() => {
        if (entry.current === delivery && !entry.result) this.deliver(entry);
      }, this.ackWaitMs);
      entry.timer.unref?.();
    };
    expire();
    // The delivery after the last allowed one ends the job even with nobody listening.
    if (delivery > MAX_DELIVERIES && candidates.length === 0) {
      this.settle(entry, { ...interruptedResult(entry.job, delivery - 1), delivery });
      return;
    }
    const consumer = candidates[this.turn++ % Math.max(1, candidates.length)];
    if (!consumer) return;
    setImmediate(() => {
      void consumer
        .handler({
          job: structuredClone(entry.job),
          delivery,
          working: () => {
            if (entry.current === delivery && !entry.result) expire();
          },
        })
        .catch((error: unknown): StepResult => ({ ok: false, error: DomainError.from(error).toWire() }))
        .then((result) => {
          // Acknowledged: the result of the delivery still holding the job counts, a stale one is dropped.
          if (entry.current !== delivery || entry.result) {
            const why = entry.result
              ? `delivery ${entry.result.delivery ?? entry.current} took the job over after this one went silent, and its result is stored already.`
              : 'a later delivery took the job over after this one went silent, and its result counts.';
            this.logger.warn(lateResultDropped(entry.job, delivery, why));
            return;
          }
          this.settle(entry, result);
        });
    });
  }

  private settle(entry: Entry, result: StepResult): void {
    clearTimeout(entry.timer);
    entry.result = result;
    for (const resolve of entry.waiters.splice(0)) resolve(result);
    // Kept a while for an orchestrator that asks again (a resumed run), then forgotten.
    setTimeout(() => this.entries.delete(entry.job.id), KEEP_RESULTS_MS).unref?.();
  }
}
