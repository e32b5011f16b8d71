import { Injectable, Logger, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deploymentEventPublished, STAGE_PROGRESS, STAGES, stageIndex, type DeploymentEvent, type DeploymentOutcome, type Stage } from '#contracts';
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

/**
 * The deployment log: every stage change and log line stored with a gap-free `seq`, then fanned
 * out to the gateways. The stage only moves forward and progress never goes backwards. Every
 * event is redacted with the deployment's secrets before it is stored: the last exit before the
 * database, the browsers and NATS.
 */
@Injectable()
export class EventLog {
  private readonly logger = new Logger(EventLog.name);
  /** Appends of one deployment run one after another, so events leave in `seq` order. */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: DataSource,
    private readonly bus: MessageBus,
    private readonly redactors: DeploymentRedactors,
    // The module always provides it; code that makes an event log by hand may leave it out.
    @Optional() private readonly metrics?: DeploymentMetrics,
  ) {}

  append(deploymentId: string, input: AppendInput): Promise<DeploymentEvent> {
    const previous = this.chains.get(deploymentId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.store(deploymentId, input));
    this.chains.set(deploymentId, next);
    void next
      .finally(() => {
        if (this.chains.get(deploymentId) === next) this.chains.delete(deploymentId);
      })
      .catch(() => undefined);
    return next.then(async (event) => {
      this.metrics?.stored(event);
      await this.bus
        .emit(deploymentEventPublished, event)
        .catch((error: unknown) => this.logger.warn(`Could not fan out event ${event.seq}: ${String(error)}`));
      return event;
    });
  }

  private async store(deploymentId: string, input: AppendInput): Promise<DeploymentEvent> {
    return this.db.transaction(async (tx) => {
      const row = await tx.getRepository(DeploymentEntity).findOne({ where: { id: deploymentId }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new DomainError('NOT_FOUND', `There is no deployment ${deploymentId}.`, 'Check the deployment id.');
      input = storable(input, await this.redactors.forDeployment(row));
      if (isFinished(row.stage) && !input.outcome) {
        // Late lines from a step that already ended: keep them, under the final stage.
        input = { ...input, stage: row.stage };
      }
      const stage = input.outcome ? input.stage : stageIndex(input.stage) >= stageIndex(row.stage) ? input.stage : row.stage;
      const progress = Math.max(row.progress, progressOf(stage, input));
      const seq = row.lastSeq + 1;
      await tx.getRepository(DeploymentEntity).update(
        { id: deploymentId },
        {
          lastSeq: seq,
          stage,
          progress,
          ...(row.status === 'queued' && stage !== 'queued' ? { status: 'running', startedAt: new Date() } : {}),
          // The deployment's last event, redacted with its token just now, is the token's end.
          ...(input.outcome ? { sealedToken: null } : {}),
        },
      );
      const saved = await tx.getRepository(DeploymentEventEntity).save({
        deploymentId,
        seq,
        stage,
        progress,
        message: input.message,
        logs: input.logs ?? [],
        outcome: input.outcome ?? null,
      });
      return toEvent(saved);
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
