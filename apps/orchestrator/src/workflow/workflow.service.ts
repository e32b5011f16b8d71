import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { analyzeSubject, buildSubject, deploySubject, type Stage } from '#contracts';
import { DomainError, redactError, serviceSlug } from '#common';
import { MessageBus, withLogContext } from '#messaging';
import { DeploymentEntity } from '../database/deployment.entity.js';
import { DeploymentRedactors } from '../deployments/deployment-redactors.js';
import { EventLog, storableText } from '../deployments/event-log.service.js';

const LEASE_SECONDS = 30;
const MAX_ATTEMPTS = 3;

/**
 * The deployment workflow, a state machine persisted in the deployments table:
 * analyze → build → deploy, each step's result stored before the next starts. A deployment is
 * worked on under a lease; when its orchestrator dies the lease runs out and another one (or this
 * one after a restart) carries on from the last stored step.
 */
@Injectable()
export class WorkflowService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkflowService.name);
  private readonly me = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly running = new Set<string>();
  private sweeper: NodeJS.Timeout | undefined;
  private renewer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly db: DataSource,
    private readonly bus: MessageBus,
    private readonly events: EventLog,
    private readonly redactors: DeploymentRedactors,
  ) {}

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => void this.resumeAbandoned(), 10_000);
    this.renewer = setInterval(() => void this.renewLeases(), (LEASE_SECONDS / 3) * 1000);
    setImmediate(() => void this.resumeAbandoned());
  }

  onApplicationShutdown(): void {
    this.stopping = true;
    clearInterval(this.sweeper);
    clearInterval(this.renewer);
  }

  /** Starts (or resumes) a deployment if no live orchestrator holds it. */
  start(deploymentId: string): void {
    void this.claimAndRun(deploymentId);
  }

  private async claimAndRun(deploymentId: string): Promise<void> {
    if (this.stopping || this.running.has(deploymentId)) return;
    const claimed = await this.claim(deploymentId).catch((error: unknown) => {
      this.logger.error(`Could not claim ${deploymentId}: ${String(error)}`);
      return null;
    });
    if (!claimed) return;
    this.running.add(deploymentId);
    try {
      await withLogContext({ deploymentId }, () => this.run(claimed));
    } finally {
      this.running.delete(deploymentId);
      await this.db
        .getRepository(DeploymentEntity)
        .update({ id: deploymentId, leaseOwner: this.me }, { leaseOwner: null, leaseExpiresAt: null })
        .catch(() => undefined);
    }
  }

  private async claim(id: string): Promise<DeploymentEntity | null> {
    const rows: { id: string }[] = await this.db
      .query(
        `UPDATE deployments
          SET lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3), attempts = attempts + 1, updated_at = now()
        WHERE id = $1 AND status IN ('queued', 'running')
          AND (lease_expires_at IS NULL OR lease_expires_at < now() OR lease_owner = $2)
        RETURNING id`,
        [id, this.me, LEASE_SECONDS],
      )
      .then((r: unknown) => (Array.isArray(r) && Array.isArray(r[0]) ? r[0] : r) as { id: string }[]);
    if (rows.length === 0) return null;
    return this.db.getRepository(DeploymentEntity).findOneByOrFail({ id });
  }

  private async run(d: DeploymentEntity): Promise<void> {
    let stage: Stage = d.stage;
    try {
      if (d.attempts > MAX_ATTEMPTS) {
        throw new DomainError('INTERRUPTED', `The deployment was interrupted ${d.attempts - 1} times and was stopped.`, 'Deploy again.');
      }
      if (d.attempts > 1) {
        await this.events.append(d.id, { stage: d.stage, message: `Resuming after an interruption (attempt ${d.attempts})` });
      }
      const source = { repoUrl: d.repoUrl, branch: d.branch ?? undefined, appPath: d.appPath ?? undefined };
      const sealedToken = d.sealedToken ?? undefined;
      const repo = this.db.getRepository(DeploymentEntity);

      if (!d.report) {
        stage = 'cloning';
        const analysis = await this.bus.request(analyzeSubject, { deploymentId: d.id, source, sealedToken });
        d.report = analysis.report;
        d.commitSha = analysis.commitSha;
        d.serviceName = serviceSlug(analysis.sourceName + (d.appPath && d.appPath !== '.' ? `-${d.appPath}` : ''));
        await repo.update({ id: d.id }, { report: d.report, commitSha: d.commitSha, serviceName: d.serviceName });
      }
      if (!d.artifact) {
        stage = 'generating';
        const build = await this.bus.request(buildSubject, {
          deploymentId: d.id,
          source,
          commitSha: d.commitSha,
          serviceName: d.serviceName!,
          report: d.report,
          target: d.target,
          sealedToken,
        });
        d.artifact = build.artifact;
        await repo.update({ id: d.id }, { artifact: d.artifact });
      }
      stage = 'deploying';
      const live = await this.bus.request(deploySubject, {
        deploymentId: d.id,
        serviceName: d.serviceName!,
        artifact: d.artifact,
        report: d.report,
        target: d.target,
      });
      await repo.update({ id: d.id }, { status: 'live', url: live.url, image: live.image, region: live.region, finishedAt: new Date(), sealedToken: null });
      await this.events.append(d.id, { stage: 'live', message: `Live at ${live.url}`, outcome: { kind: 'complete', ...live } });
    } catch (error) {
      await this.fail(d.id, stage, DomainError.from(error));
    }
  }

  private async fail(id: string, stage: Stage, error: DomainError): Promise<void> {
    const repo = this.db.getRepository(DeploymentEntity);
    let clean = error;
    try {
      const current = await repo.findOneByOrFail({ id });
      // The workers redacted already; this covers what the orchestrator says itself, and any worker that did not.
      clean = redactError(error, this.redactors.fromSealed(current.sealedToken)) as DomainError;
      const failedStage = current.stage === 'queued' ? stage : current.stage;
      this.logger.warn(`Deployment ${id} failed at ${failedStage}: ${clean.code} ${clean.message}`);
      await repo.update(
        { id },
        { status: 'failed', errorCode: clean.code, errorMessage: storableText(clean.message), errorHint: storableText(clean.hint), finishedAt: new Date() },
      );
      // The sealed token is still on the row: the event log redacts the log tail with it, then clears it.
      await this.events.append(id, {
        stage: 'failed',
        message: clean.message,
        logs: clean.logs,
        outcome: { kind: 'error', stage: failedStage, code: clean.code, message: clean.message, hint: clean.hint },
      });
    } catch (storeError) {
      // The database is down: the lease runs out and the deployment is picked up again later.
      this.logger.error(`Could not record the failure of ${id} at ${stage} (${clean.code}): ${String(storeError)}`);
    }
  }

  private async renewLeases(): Promise<void> {
    if (this.running.size === 0) return;
    await this.db
      .query(`UPDATE deployments SET lease_expires_at = now() + make_interval(secs => $2) WHERE lease_owner = $1 AND id = ANY($3::uuid[])`, [
        this.me,
        LEASE_SECONDS,
        [...this.running],
      ])
      .catch((error: unknown) => this.logger.warn(`Could not renew leases: ${String(error)}`));
  }

  private async resumeAbandoned(): Promise<void> {
    if (this.stopping) return;
    const rows: { id: string }[] = await this.db
      .query(
        `SELECT id FROM deployments WHERE status IN ('queued', 'running') AND (lease_expires_at IS NULL OR lease_expires_at < now()) ORDER BY created_at LIMIT 20`,
      )
      .catch(() => []);
    for (const { id } of rows) this.start(id);
  }
}
