import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DataSource, MoreThan } from 'typeorm';
import {
  deploymentEventsSubject,
  getDeploymentSubject,
  healthSubject,
  listDeploymentsSubject,
  progressSubject,
  statsSubject,
  type RequestOf,
  type ResponseOf,
} from '#contracts';
import { DomainError } from '#common';
import { ZodPipe } from '#messaging';
import { DeploymentEventEntity } from '../database/deployment-event.entity.js';
import { DeploymentEntity } from '../database/deployment.entity.js';
import { deploymentTimes } from './deployment-times.js';
import { toSummary } from './deployment.mapper.js';
import { EventLog, toEvent } from './event-log.service.js';

@Controller()
export class DeploymentsController {
  constructor(
    private readonly db: DataSource,
    private readonly events: EventLog,
  ) {}

  @MessagePattern(progressSubject.subject)
  async progress(@Payload(new ZodPipe(progressSubject.request)) req: RequestOf<typeof progressSubject>): Promise<ResponseOf<typeof progressSubject>> {
    const event = await this.events.append(req.deploymentId, { stage: req.stage, message: req.message ?? '', logs: req.logs, fraction: req.fraction });
    return { seq: event.seq };
  }

  @MessagePattern(listDeploymentsSubject.subject)
  async list(
    @Payload(new ZodPipe(listDeploymentsSubject.request)) req: RequestOf<typeof listDeploymentsSubject>,
  ): Promise<ResponseOf<typeof listDeploymentsSubject>> {
    const rows = await this.db.getRepository(DeploymentEntity).find({ where: { owner: req.owner }, order: { createdAt: 'DESC' }, take: req.limit ?? 50 });
    const times = await deploymentTimes(
      this.db,
      rows.filter((r) => r.finishedAt || r.status === 'live' || r.status === 'failed' || r.status === 'cancelled').map((r) => r.id),
    );
    return { deployments: rows.map((r) => ({ ...toSummary(r), ...(times.has(r.id) ? { times: times.get(r.id) } : {}) })) };
  }

  @MessagePattern(getDeploymentSubject.subject)
  async get(@Payload(new ZodPipe(getDeploymentSubject.request)) req: RequestOf<typeof getDeploymentSubject>): Promise<ResponseOf<typeof getDeploymentSubject>> {
    const row = await this.owned(req.owner, req.id);
    const events = await this.db.getRepository(DeploymentEventEntity).find({ where: { deploymentId: row.id }, order: { seq: 'ASC' } });
    return { deployment: toSummary(row), events: events.map(toEvent) };
  }

  @MessagePattern(deploymentEventsSubject.subject)
  async eventsAfter(
    @Payload(new ZodPipe(deploymentEventsSubject.request)) req: RequestOf<typeof deploymentEventsSubject>,
  ): Promise<ResponseOf<typeof deploymentEventsSubject>> {
    const row = await this.owned(req.owner, req.id);
    const events = await this.db
      .getRepository(DeploymentEventEntity)
      .find({ where: { deploymentId: row.id, seq: MoreThan(req.afterSeq) }, order: { seq: 'ASC' } });
    return { events: events.map(toEvent) };
  }

  @MessagePattern(healthSubject.subject)
  async health(): Promise<ResponseOf<typeof healthSubject>> {
    try {
      await this.db.query('SELECT 1');
      return { database: 'up' };
    } catch {
      return { database: 'down' };
    }
  }

  @MessagePattern(statsSubject.subject)
  async stats(): Promise<ResponseOf<typeof statsSubject>> {
    const rows: { status: string; count: string }[] = await this.db.query('SELECT status, count(*) AS count FROM deployments GROUP BY status');
    const byStatus = { queued: 0, running: 0, live: 0, failed: 0, cancelled: 0 };
    for (const row of rows) byStatus[row.status as keyof typeof byStatus] = Number(row.count);
    return { deploymentsByStatus: byStatus };
  }

  /** Someone else's deployment looks exactly like a missing one. */
  private async owned(owner: string, id: string): Promise<DeploymentEntity> {
    const row = await this.db.getRepository(DeploymentEntity).findOneBy({ id, owner });
    if (!row) throw new DomainError('NOT_FOUND', `There is no deployment ${id}.`, 'Check the deployment id; `servergem` lists yours at GET /api/deployments.');
    return row;
  }
}
