import { Injectable, Logger, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  deploymentEventsPublished,
  STAGE_PROGRESS,
  STAGES,
  stageIndex,
  type DeploymentEvent,
  type DeploymentOutcome,
  type SealedSettingsChange,
  type Stage,
} from '#contracts';
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

/** Deployments whose head the log keeps (the ones being appended to lately). */
const HEADS = 256;

/** Where a deployment's log stands, as this log left it, with the redactor its row gives. */
interface Head {
  lastSeq: number;
  stage: Stage;
  progress: number;
  // What the redactor is opened from: a change to any of them (a service adopted, settings applied) asks for a new one.
  sealedToken: string | null;
  serviceId: string | null;
  settingsVersion: number | null;
  pendingSettings: SealedSettingsChange | null;
  redactor: Redactor;
}

/**
 * A batch appended at a known head, in one statement: the row moves on only if it is still at that
 * head, and the events go in only if it moved. `$13` holds the events as a JSON array.
 */
const APPEND_ON_HEAD = `
  WITH moved AS (
    UPDATE deployments SET
      last_seq = $9, stage = $10, progress = $11,
      status = CASE WHEN status = 'queued' AND $10 <> 'queued' THEN 'running' ELSE status END,
      started_at = CASE WHEN status = 'queued' AND $10 <> 'queued' THEN now() ELSE started_at END,
      sealed_token = CASE WHEN $12 THEN NULL ELSE sealed_token END,
      updated_at = now()
    WHERE id = $1 AND last_seq = $2 AND stage = $3 AND progress = $4
      AND sealed_token IS NOT DISTINCT FROM $5 AND service_id IS NOT DISTINCT FROM $6
      AND settings_version IS NOT DISTINCT FROM $7 AND pending_settings IS NOT DISTINCT FROM $8::jsonb
    RETURNING id
  )
  INSERT INTO deployment_events (deployment_id, seq, stage, progress, message, logs, outcome)
  SELECT moved.id, e.seq, e.stage, e.progress, e.message, e.logs, e.outcome
  FROM moved, jsonb_to_recordset($13::jsonb) AS e(seq int, stage text, progress int, message text, logs jsonb, outcome jsonb)
  RETURNING seq, created_at`;

/**
 * The deployment log: every stage change and log line stored with a gap-free `seq`, then fanned
 * out to the gateways. The stage only moves forward and progress never goes backwards. Every
 * event is redacted with the deployment's secrets before it is stored: the last exit before the
 * database, the browsers and NATS.
 *
 * Appends of a deployment are batched the way Nagle's algorithm batches bytes: one goes at once
 * when nothing of that deployment is being stored; while a batch is stored the next ones gather,
 * and go together when it is done. A batch is one statement (one round trip) when the log knows
 * where the deployment stands, as it does from its second batch on: the row's seq moves on only
 * from that head, so the seq stays gap-free whoever else appends. Otherwise, or when the row has
 * moved, the row is read under its lock and the batch stored in one transaction.
 */
@Injectable()
export class EventLog {
  private readonly logger = new Logger(EventLog.name);
  private readonly queues = new Map<string, Queue>();
  private readonly heads = new Map<string, Head>();
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
    const head = this.heads.get(deploymentId);
    if (head) {
      const events = await this.storeOnHead(deploymentId, head, inputs);
      if (events) return events;
      // Someone else moved the deployment on (another orchestrator, the workflow): read it again.
      this.heads.delete(deploymentId);
    }
    return this.storeLocked(deploymentId, inputs);
  }

  /**
   * One statement, one round trip: the deployment's row moves from the head this log last left it
   * at to the batch's end, and the events go in, both or neither. A row that is no longer at that
   * head (its seq, stage, progress or what its redactor comes from changed) takes nothing.
   */
  private async storeOnHead(deploymentId: string, head: Head, inputs: AppendInput[]): Promise<DeploymentEvent[] | undefined> {
    const next = fold(deploymentId, head, inputs, head.redactor);
    const rows: { seq: number; created_at: Date }[] = await this.db.query(APPEND_ON_HEAD, [
      deploymentId,
      head.lastSeq,
      head.stage,
      head.progress,
      head.sealedToken,
      head.serviceId,
      head.settingsVersion,
      head.pendingSettings === null ? null : JSON.stringify(head.pendingSettings),
      next.lastSeq,
      next.stage,
      next.progress,
      next.ended,
      JSON.stringify(next.values),
    ]);
    if (rows.length !== next.values.length) return undefined;
    this.remember(deploymentId, { ...head, ...next });
    const createdAt = new Map(rows.map((r) => [r.seq, r.created_at]));
    return next.values.map((v) => toEvent({ ...v, id: '', createdAt: createdAt.get(v.seq)! }));
  }

  /** The deployment read under its row lock, the batch stored in one transaction. */
  private async storeLocked(deploymentId: string, inputs: AppendInput[]): Promise<DeploymentEvent[]> {
    return this.db.transaction(async (tx) => {
      const row = await tx.getRepository(DeploymentEntity).findOne({ where: { id: deploymentId }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new DomainError('NOT_FOUND', `There is no deployment ${deploymentId}.`, 'Check the deployment id.');
      const redactor = await this.redactors.forDeployment(row);
      const next = fold(deploymentId, row, inputs, redactor);
      await tx.getRepository(DeploymentEntity).update(
        { id: deploymentId },
        {
          lastSeq: next.lastSeq,
          stage: next.stage,
          progress: next.progress,
          ...(row.status === 'queued' && next.stage !== 'queued' ? { status: 'running', startedAt: new Date() } : {}),
          // The deployment's last event, redacted with its token just now, is the token's end.
          ...(next.ended ? { sealedToken: null } : {}),
        },
      );
      const inserted = await tx.createQueryBuilder().insert().into(DeploymentEventEntity).values(next.values).execute();
      const { sealedToken, serviceId, settingsVersion, pendingSettings } = row;
      this.remember(deploymentId, { sealedToken, serviceId, settingsVersion, pendingSettings, redactor, ...next });
      return next.values.map((v, i) => {
        const generated = inserted.generatedMaps[i] as { createdAt: Date | string };
        return toEvent({ ...v, id: '', createdAt: generated.createdAt as Date });
      });
    });
  }

  /** Keeps where a deployment's log stands, until it ends. */
  private remember(deploymentId: string, head: Head & { ended: boolean; values?: unknown }): void {
    this.heads.delete(deploymentId);
    if (head.ended) return;
    const { lastSeq, stage, progress, sealedToken, serviceId, settingsVersion, pendingSettings, redactor } = head;
    if (this.heads.size >= HEADS) this.heads.delete(this.heads.keys().next().value!);
    this.heads.set(deploymentId, { lastSeq, stage, progress, sealedToken, serviceId, settingsVersion, pendingSettings, redactor });
  }
}

type EventValues = Omit<DeploymentEventEntity, 'id' | 'createdAt'>;

/** A batch's events and where the deployment stands after them: the stage only moves forward, progress never goes back. */
function fold(
  deploymentId: string,
  from: Pick<Head, 'lastSeq' | 'stage' | 'progress'>,
  inputs: AppendInput[],
  redactor: Redactor,
): { values: EventValues[]; lastSeq: number; stage: Stage; progress: number; ended: boolean } {
  let { stage: current, progress: currentProgress, lastSeq: seq } = from;
  let ended = false;
  const values: EventValues[] = [];
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
  return { values, lastSeq: seq, stage: current, progress: currentProgress, ended };
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
