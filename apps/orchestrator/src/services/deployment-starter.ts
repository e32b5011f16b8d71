import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AnalysisReport, BuildArtifact, FilePatch, SealedSettingsChange, Target } from '#contracts';
import { DeploymentEntity, type DeploymentKind } from '../database/deployment.entity.js';
import { EventLog } from '../deployments/event-log.service.js';
import { WorkflowService } from '../workflow/workflow.service.js';

export interface NewDeployment {
  owner: string;
  kind: DeploymentKind;
  repoUrl: string;
  branch: string | null;
  appPath: string | null;
  target: Target;
  sessionId?: string | null;
  idempotencyKey?: string | null;
  sealedToken?: string | null;
  serviceId?: string | null;
  serviceName?: string | null;
  commitSha?: string | null;
  /** Accepted file fixes, applied to the deployment's copy of the source. */
  patches?: FilePatch[] | null;
  /** A report (and artifact) carried over skip the steps that made them. */
  report?: AnalysisReport | null;
  artifact?: BuildArtifact | null;
  settingsVersion?: number | null;
  pendingSettings?: SealedSettingsChange | null;
}

/**
 * Every deployment starts here: the row is committed, its first event stored, then the workflow
 * takes it. A repeated idempotency key gives the first deployment back.
 */
@Injectable()
export class DeploymentStarter {
  constructor(
    private readonly db: DataSource,
    private readonly events: EventLog,
    private readonly workflow: WorkflowService,
  ) {}

  async start(input: NewDeployment, message: string): Promise<{ deployment: DeploymentEntity; duplicate: boolean }> {
    const repo = this.db.getRepository(DeploymentEntity);
    const id = randomUUID();
    const inserted: unknown[] = await repo
      .createQueryBuilder()
      .insert()
      .values({
        id,
        owner: input.owner,
        idempotencyKey: input.idempotencyKey ?? null,
        sessionId: input.sessionId ?? null,
        status: 'queued',
        stage: 'queued',
        progress: 0,
        kind: input.kind,
        repoUrl: input.repoUrl,
        branch: input.branch,
        appPath: input.appPath,
        target: input.target,
        sealedToken: input.sealedToken ?? null,
        serviceId: input.serviceId ?? null,
        serviceName: input.serviceName ?? null,
        commitSha: input.commitSha ?? null,
        patches: input.patches?.length ? input.patches : null,
        report: input.report ?? null,
        artifact: input.artifact ?? null,
        settingsVersion: input.settingsVersion ?? null,
        pendingSettings: input.pendingSettings ?? null,
      })
      .orIgnore()
      .returning(['id'])
      .execute()
      .then((r) => r.raw as unknown[]);
    if (inserted.length === 0) return { deployment: await repo.findOneByOrFail({ idempotencyKey: input.idempotencyKey! }), duplicate: true };
    const deployment = await repo.findOneByOrFail({ id });
    await this.events.append(id, { stage: 'queued', message });
    this.workflow.start(id);
    return { deployment, duplicate: false };
  }
}
