import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import type { DeploymentStatus, Target } from '#contracts';
import { DomainError } from '#common';
import { DeploymentEventEntity } from '../database/deployment-event.entity.js';
import { DeploymentEntity } from '../database/deployment.entity.js';

/** What the chat reads of an owner's deployments; someone else's read as missing. */
@Injectable()
export class DeploymentLookup {
  constructor(private readonly db: DataSource) {}

  /** The names of the services this owner has deployed. */
  async serviceNames(owner: string): Promise<string[]> {
    const rows: { service_name: string }[] = await this.db.query(
      `SELECT service_name FROM deployments WHERE owner = $1 AND service_name IS NOT NULL GROUP BY service_name ORDER BY max(created_at) DESC LIMIT 200`,
      [owner],
    );
    return rows.map((r) => r.service_name);
  }

  /** Each of this owner's services with the target its latest deployment went to. */
  async serviceTargets(owner: string): Promise<Map<string, Target>> {
    const rows: { service_name: string; target: Target }[] = await this.db.query(
      `SELECT DISTINCT ON (service_name) service_name, target FROM deployments
        WHERE owner = $1 AND service_name IS NOT NULL ORDER BY service_name, created_at DESC LIMIT 200`,
      [owner],
    );
    return new Map(rows.map((r) => [r.service_name, r.target]));
  }

  /** A service of this owner and the target it was last deployed to, or NOT_FOUND naming the ones they have. */
  async requireService(owner: string, service: string): Promise<{ target: Target }> {
    const latest = await this.latest(owner, { service });
    if (latest) return { target: latest.target };
    const names = await this.serviceNames(owner);
    throw new DomainError(
      'NOT_FOUND',
      `There is no service called ${service}.`,
      names.length ? `Your services: ${names.slice(0, 10).join(', ')}.` : 'You have no services yet: deploy one first.',
    );
  }

  find(owner: string, id: string): Promise<DeploymentEntity | null> {
    return this.db.getRepository(DeploymentEntity).findOneBy({ owner, id });
  }

  latest(owner: string, filter: { service?: string; status?: DeploymentStatus[] } = {}): Promise<DeploymentEntity | null> {
    return this.db.getRepository(DeploymentEntity).findOne({
      where: { owner, ...(filter.service ? { serviceName: filter.service } : {}), ...(filter.status ? { status: In(filter.status) } : {}) },
      order: { createdAt: 'DESC' },
    });
  }

  recent(owner: string, limit: number): Promise<DeploymentEntity[]> {
    return this.db.getRepository(DeploymentEntity).find({ where: { owner }, order: { createdAt: 'DESC' }, take: limit });
  }

  events(deploymentId: string): Promise<DeploymentEventEntity[]> {
    return this.db.getRepository(DeploymentEventEntity).find({ where: { deploymentId }, order: { seq: 'ASC' } });
  }
}
