import { Injectable, Logger, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deploymentEventsPublished, STAGE_PROGRESS, STAGES, stageIndex, type DeploymentEvent, type DeploymentOutcome, type Stage } from '#contracts';
import { DomainError, type Redactor } from '#common';
import { MessageBus } from '#messaging';
import { DeploymentEventEntity } from '../database/deployment-event.entity.js';
import { DeploymentEntity } from '../database/deployment.entity.js';
import { DeploymentMetrics } from './deployment-metrics.js';
import { DeploymentRedactors } from './deployment-redactors.js';

export interface AppendInput {
  stage: Stage;
  message: string;
  logs?: string[];
  /** Progress within the stage, 0..1. */
  fraction?: number;
  outcome?: DeploymentOutcome;
}

/** Appends of one deployment stored in one transaction at most. */
const MAX_BATCH = 256;

interface Waiting {
  input: AppendInput;
  resolve: (event: DeploymentEvent) => void;
  reject: (error: unknown) => void;
}

interface Queue {
  waiting: Waiting[];
  storing: boolean;
}

/**
 * The deployment log: every stage change and log line stored with a gap-free `seq`, then fanned
 * out to the gateways. The stage only moves forward and progress never goes backwards. Every
 * event is redacted with the deployment's secrets before it is stored: the last exit before the
 * database, the browsers and NATS.
 *
 * Appends of a deployment are batched the way Nagle's algorithm batches bytes: one goes at once
 * when nothing of that deployment is being stored; while a batch is stored the next ones gather,
 * and go together (one row lock, one update allocating their seqs, one insert) when it is done.
 */
@Injectable()
export class EventLog {
  private readonly logger = new Logger(EventLog.name);
  private readonly queues = new Map<string, Queue>();
  /** Fan-outs leave one after another, so gateways see events in `seq` order. */
  private fanOut: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: DataSource,
    private readonly bus: MessageBus,
    private readonly redactors: DeploymentRedactors,
    // The module always provides it; code that makes an event log by hand may leave it out.
    @Optional() private readonly metrics?: DeploymentMetrics,
  ) {}

  append(deploymentId: string, input: AppendInput): Promise<DeploymentEvent> {
    let queue = this.queues.get(deploymentId);
    if (!queue) this.queues.set(deploymentId, (queue = { waiting: [], storing: false }));
    const stored = new Promise<DeploymentEvent>((resolve, reject) => queue.waiting.push({ input, resolve, reject }));
    // A burst appended in one go (a chunk of build output) makes one batch.
    if (!queue.storing) {
      queue.storing = true;
      queueMicrotask(() => void this.drain(deploymentId, queue));
    }
    return stored;
  }

  /** Resolves once every event stored so far has been handed to the bus. */
  fannedOut(): Promise<void> {
    return this.fanOut;
  }

  private async drain(deploymentId: string, queue: Queue): Promise<void> {
    while (queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0, MAX_BATCH);
      let events: DeploymentEvent[];
      try {
        events = await this.store(
          deploymentId,
          batch.map((w) => w.input),
        );
      } catch (error) {
        for (const w of batch) w.reject(error);
        continue;
      }
      for (const event of events) this.metrics?.stored(event);
      this.publish(events);
      events.forEach((event, i) => batch[i]!.resolve(event));
    }
    queue.storing = false;
    if (this.queues.get(deploymentId) === queue) this.queues.delete(deploymentId);
  }

  private publish(events: DeploymentEvent[]): void {
    this.fanOut = this.fanOut.then(() =>
      this.bus
        .emit(deploymentEventsPublished, { events })
        .catch((error: unknown) => this.logger.warn(`Could not fan out events ${events[0]?.seq}..${events.at(-1)?.seq}: ${String(error)}`)),
    );
  }

  private async store(deploymentId: string, inputs: AppendInput[]): Promise<DeploymentEvent[]> {
    return this.db.transaction(async (tx) => {
      const row = await tx.getRepository(DeploymentEntity).findOne({ where: { id: deploymentId }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new DomainError('NOT_FOUND', `There is no deployment ${deploymentId}.`, 'Check the deployment id.');
      const redactor = await this.redactors.forDeployment(row);
      let { stage: current, progress: currentProgress, lastSeq: seq } = row;
      let ended = false;
      const values: Omit<DeploymentEventEntity, 'id' | 'createdAt'>[] = [];
      for (const raw of inputs) {
        let input = storable(raw, redactor);
        if (isFinished(current) && !input.outcome) {
          // Late lines from a step that already ended: keep them, under the final stage.
          input = { ...input, stage: current };
        }
        const stage = input.outcome ? input.stage : stageIndex(input.stage) >= stageIndex(current) ? input.stage : current;
        currentProgress = Math.max(currentProgress, progressOf(stage, input));
        current = stage;
        ended ||= Boolean(input.outcome);
        values.push({
          deploymentId,
          seq: ++seq,
          stage,
          progress: currentProgress,
          message: input.message,
          logs: input.logs ?? [],
          outcome: input.outcome ?? null,
        });
      }
      await tx.getRepository(DeploymentEntity).update(
        { id: deploymentId },
        {
          lastSeq: seq,
          stage: current,
          progress: currentProgress,
          ...(row.status === 'queued' && current !== 'queued' ? { status: 'running', startedAt: new Date() } : {}),
          // The deployment's last event, redacted with its token just now, is the token's end.
          ...(ended ? { sealedToken: null } : {}),
        },
      );
      const inserted = await tx.createQueryBuilder().insert().into(DeploymentEventEntity).values(values).execute();
      return values.map((v, i) => {
        const generated = inserted.generatedMaps[i] as { createdAt: Date | string };
        return toEvent({ ...v, id: '', createdAt: generated.createdAt as Date });
      });
    });
  }
}

/** What is stored: redacted with the deployment's secrets, and text PostgreSQL accepts. */
function storable(input: AppendInput, redactor: Redactor): AppendInput {
  const clean = (text: string) => redactor.redact(storableText(text));
  const outcome =
    input.outcome?.kind === 'error' ? { ...input.outcome, message: clean(input.outcome.message), hint: clean(input.outcome.hint) } : input.outcome;
  return { ...input, message: clean(input.message), logs: input.logs?.map(clean), outcome };
}

/** PostgreSQL refuses NUL in text: a build that prints one keeps its line, with U+FFFD in its place. */
export function storableText(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text;
}

function isFinished(stage: Stage): boolean {
  return stage === 'live' || stage === 'failed' || stage === 'cancelled';
}

function progressOf(stage: Stage, input: AppendInput): number {
  if (stage === 'live') return 100;
  if (stage === 'failed' || stage === 'cancelled') return 0;
  const start = STAGE_PROGRESS[stage];
  const following = STAGES[stageIndex(stage) + 1];
  const end = following && !isFinished(following) ? STAGE_PROGRESS[following] : 99;
  return Math.min(99, Math.round(start + (input.fraction ?? 0) * (end - start)));
}

export function toEvent(row: DeploymentEventEntity): DeploymentEvent {
  return {
    deploymentId: row.deploymentId,
    seq: row.seq,
    stage: row.stage,
    progress: row.progress,
    message: row.message,
    logs: row.logs,
    createdAt: new Date(row.createdAt).toISOString(),
    outcome: row.outcome,
  };
}
