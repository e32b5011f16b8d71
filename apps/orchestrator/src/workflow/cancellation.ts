import { Injectable, Logger } from '@nestjs/common';
import { DataSource, In, IsNull } from 'typeorm';
import { stepCancelSubject, type cancelDeploymentSubject, type ResponseOf, type Stage } from '#contracts';
import { DomainError, serviceSlug } from '#common';
import { MessageBus } from '#messaging';
import { DeploymentEntity } from '../database/deployment.entity.js';
import { EventLog } from '../deployments/event-log.service.js';
import { WorkflowService } from './workflow.service.js';

export type CancelTarget = { deploymentId: string } | { service: string };
export type CancelResult = ResponseOf<typeof cancelDeploymentSubject>;

const HINT = 'Deploy again when you are ready.';

/**
 * Cancelling a deployment: the row goes to `cancelled` (with who asked) by compare-and-set, so a
 * deployment that already ended stays as it ended and a step result arriving later changes
 * nothing; the `cancelled` event is stored; then every worker is told (`workers.cancel.v1`) and the
 * one running the deployment's step stops it. The service keeps serving its previous revision.
 */
@Injectable()
export class CancellationService {
  private readonly logger = new Logger(CancellationService.name);

  constructor(
    private readonly db: DataSource,
    private readonly bus: MessageBus,
    private readonly events: EventLog,
    private readonly workflow: WorkflowService,
  ) {}

  async cancel(owner: string, target: CancelTarget): Promise<CancelResult> {
    const row = await this.find(owner, target);
    const claimed = await this.markCancelled(row.id, owner);
    if (!claimed) return this.alreadyFinished(row.id, 'service' in target ? target.service : undefined);

    const message = `Cancelled by ${owner} ${claimed.stage === 'queued' ? 'before it started' : `while ${claimed.stage}`}; ${await this.leftServing(owner, claimed.serviceName)}.`;
    // Told first, so the step stops while the event is stored.
    await this.bus
      .emit(stepCancelSubject, { deploymentId: row.id })
      .catch((error: unknown) => this.logger.warn(`Could not tell the workers to stop ${row.id}: ${String(error)}`));
    this.workflow.abandon(row.id);
    await this.events.append(row.id, {
      stage: 'cancelled',
      message,
      outcome: { kind: 'error', stage: claimed.stage, code: 'CANCELLED', message, hint: HINT },
    });
    return { deploymentId: row.id, cancelled: true, status: 'cancelled', stage: 'cancelled', cancelledBy: owner, message };
  }

  /** The owner's deployment named, or the service's running one (else its latest); another owner's reads as missing. */
  private async find(owner: string, target: CancelTarget): Promise<DeploymentEntity> {
    const repo = this.db.getRepository(DeploymentEntity);
    if ('deploymentId' in target) {
      const row = await repo.findOneBy({ id: target.deploymentId, owner });
      if (!row)
        throw new DomainError('NOT_FOUND', `There is no deployment ${target.deploymentId}.`, 'Check the deployment id; GET /api/deployments lists yours.');
      return row;
    }
    const running =
      (await repo.findOne({ where: { owner, serviceName: target.service, status: In(['queued', 'running']) }, order: { createdAt: 'DESC' } })) ??
      (await this.notYetNamed(owner, target.service));
    const row = running ?? (await repo.findOne({ where: { owner, serviceName: target.service }, order: { createdAt: 'DESC' } }));
    if (!row)
      throw new DomainError(
        'NOT_FOUND',
        `There is no service called ${target.service}.`,
        'Check the name; GET /api/deployments lists your deployments and their services.',
      );
    return row;
  }

  /**
   * A deployment still being fetched has no service name yet: the one its source will give it (the
   * workflow's rule: the repository's or folder's name, with the app path) finds it.
   */
  private async notYetNamed(owner: string, service: string): Promise<DeploymentEntity | null> {
    const unnamed = await this.db.getRepository(DeploymentEntity).find({
      where: { owner, serviceName: IsNull(), status: In(['queued', 'running']) },
      order: { createdAt: 'DESC' },
      take: 50,
    });
    return unnamed.find((d) => likelyServiceName(d) === service) ?? null;
  }

  /** Compare-and-set: only a queued or running deployment becomes cancelled. Returns its stage at that moment. */
  private async markCancelled(id: string, owner: string): Promise<{ stage: Stage; serviceName: string | null } | null> {
    const rows: { stage: Stage; service_name: string | null }[] = await this.db
      .query(
        `UPDATE deployments
            SET status = 'cancelled', cancelled_by = $2, error_code = 'CANCELLED', error_message = $3, error_hint = $4,
                finished_at = now(), updated_at = now()
          WHERE id = $1 AND status IN ('queued', 'running')
          RETURNING stage, service_name`,
        [id, owner, `Cancelled by ${owner}.`, HINT],
      )
      .then((r: unknown) => (Array.isArray(r) && Array.isArray(r[0]) ? r[0] : r) as { stage: Stage; service_name: string | null }[]);
    const row = rows[0];
    return row ? { stage: row.stage, serviceName: row.service_name } : null;
  }

  /** What the cancel leaves: the service's earlier revision serving, or nothing when it never went live. */
  private async leftServing(owner: string, service: string | null): Promise<string> {
    const live = service ? await this.db.getRepository(DeploymentEntity).existsBy({ owner, serviceName: service, status: 'live' }) : false;
    return live ? `${service} keeps serving its previous revision` : 'nothing of it was deployed';
  }

  private async alreadyFinished(id: string, service: string | undefined): Promise<CancelResult> {
    const row = await this.db.getRepository(DeploymentEntity).findOneByOrFail({ id });
    const what = service ? `No deployment of ${service} is running: its latest, ${id},` : `Deployment ${id}`;
    const how = row.status === 'cancelled' ? `was already cancelled${row.cancelledBy ? ` by ${row.cancelledBy}` : ''}` : `already finished (${row.status})`;
    return {
      deploymentId: id,
      cancelled: false,
      status: row.status,
      stage: row.stage,
      cancelledBy: row.cancelledBy,
      message: `${what} ${how}; there is nothing to cancel.`,
    };
  }
}

/** The service name a deployment's analysis will give it, from its source alone. */
function likelyServiceName(d: DeploymentEntity): string {
  const source =
    d.repoUrl
      .replace(/[/\\]+$/, '')
      .split(/[/\\]/)
      .at(-1)!
      .replace(/\.git$/, '') || 'app';
  return serviceSlug(source + (d.appPath && d.appPath !== '.' ? `-${d.appPath}` : ''));
}
