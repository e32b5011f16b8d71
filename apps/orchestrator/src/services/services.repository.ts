import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { SealedSettingsChange, ServiceSettings, Target } from '#contracts';
import { DomainError } from '#common';
import { ServiceEntity, ServiceSettingsEntity } from '../database/service.entity.js';
import { applyChange, emptySettings } from './settings-change.js';

const MAX_NAME = 49;

/** The services table and its settings versions: the one place they are read and written. */
@Injectable()
export class ServicesRepository {
  constructor(private readonly db: DataSource) {}

  findOwned(owner: string, name: string): Promise<ServiceEntity | null> {
    return this.db.getRepository(ServiceEntity).findOneBy({ owner, name });
  }

  byId(id: string): Promise<ServiceEntity | null> {
    return this.db.getRepository(ServiceEntity).findOneBy({ id });
  }

  listOwned(owner: string): Promise<ServiceEntity[]> {
    return this.db.getRepository(ServiceEntity).find({ where: { owner }, order: { name: 'ASC' }, take: 500 });
  }

  /** The owner's service of that name; someone else's reads exactly like one that does not exist. */
  async requireOwned(owner: string, name: string): Promise<ServiceEntity> {
    const service = await this.findOwned(owner, name);
    if (service) return service;
    const names = (await this.listOwned(owner)).map((s) => s.name);
    throw new DomainError(
      'NOT_FOUND',
      `There is no service called ${name}.`,
      names.length ? `Your services: ${names.slice(0, 10).join(', ')} (\`servergem services\` lists them).` : 'You have no services yet: deploy one first.',
    );
  }

  /**
   * The service a deployment of `baseName` goes to: the owner's own one of that name, or a new one.
   * The name is unique in the installation, so when another owner holds it the new service is
   * `<base>-2`, `<base>-3`, … and `renamed` says so.
   */
  async resolve(owner: string, baseName: string, target: Target, source: { repoUrl: string; branch: string | null; appPath: string | null }) {
    for (let attempt = 1; attempt <= 100; attempt++) {
      const mine = await this.db.getRepository(ServiceEntity).findOneBy({ owner, baseName });
      if (mine) return { service: mine, renamed: mine.name !== baseName };
      const suffix = attempt === 1 ? '' : `-${attempt}`;
      const name = `${baseName.slice(0, MAX_NAME - suffix.length).replace(/-+$/, '')}${suffix}`;
      const id = randomUUID();
      const inserted: unknown[] = await this.db
        .createQueryBuilder()
        .insert()
        .into(ServiceEntity)
        .values({ id, owner, name, baseName, target, repoUrl: source.repoUrl, branch: source.branch, appPath: source.appPath, settingsVersion: 0 })
        .orIgnore()
        .returning(['id'])
        .execute()
        .then((r) => r.raw as unknown[]);
      if (inserted.length > 0) {
        await this.db.getRepository(ServiceSettingsEntity).insert({ serviceId: id, version: 0, settings: emptySettings() });
        return { service: await this.db.getRepository(ServiceEntity).findOneByOrFail({ id }), renamed: name !== baseName };
      }
    }
    throw new DomainError('INTERNAL', `No free service name was found for ${baseName}.`, 'Deploy it from a folder or repository with another name.');
  }

  /** Settings at a version (the current one without it). */
  async settings(service: ServiceEntity, version = service.settingsVersion): Promise<ServiceSettings> {
    const row = await this.db.getRepository(ServiceSettingsEntity).findOneBy({ serviceId: service.id, version });
    return row ? row.settings : emptySettings();
  }

  /** Applies a change as a new settings version, one writer at a time per service (`previous`: the version it replaced). */
  async change(
    serviceId: string,
    change: SealedSettingsChange,
  ): Promise<{ version: number; settings: ServiceSettings; previous: ServiceSettings; changed: string[] }> {
    return this.db.transaction(async (tx) => {
      const service = await tx.getRepository(ServiceEntity).findOneOrFail({ where: { id: serviceId }, lock: { mode: 'pessimistic_write' } });
      const current = await this.settingsIn(tx, service.id, service.settingsVersion);
      const { settings, changed } = applyChange(current, change);
      const version = service.settingsVersion + 1;
      await tx.getRepository(ServiceSettingsEntity).insert({ serviceId: service.id, version, settings });
      await tx.getRepository(ServiceEntity).update({ id: service.id }, { settingsVersion: version });
      return { version, settings, previous: current, changed };
    });
  }

  /** A deployment went live: it serves now, and what served before becomes the previous revision. */
  async wentLive(serviceId: string, live: { deploymentId: string; revision: string; url: string; region: string; target: Target }): Promise<void> {
    await this.db.transaction(async (tx) => {
      const service = await tx.getRepository(ServiceEntity).findOneOrFail({ where: { id: serviceId }, lock: { mode: 'pessimistic_write' } });
      const moved = service.currentRevision !== live.revision;
      await tx.getRepository(ServiceEntity).update(
        { id: serviceId },
        {
          currentRevision: live.revision,
          currentDeploymentId: live.deploymentId,
          previousRevision: moved ? service.currentRevision : service.previousRevision,
          previousDeploymentId: moved ? service.currentDeploymentId : service.previousDeploymentId,
          url: live.url,
          region: live.region,
          target: live.target,
          stopped: false,
        },
      );
    });
  }

  /** After a rollback or a traffic move: the revision that serves now. */
  async served(serviceId: string, revision: string, deploymentId: string | null, url: string): Promise<void> {
    const service = await this.db.getRepository(ServiceEntity).findOneByOrFail({ id: serviceId });
    if (service.currentRevision === revision) return;
    await this.db.getRepository(ServiceEntity).update(
      { id: serviceId },
      {
        previousRevision: service.currentRevision,
        previousDeploymentId: service.currentDeploymentId,
        currentRevision: revision,
        currentDeploymentId: deploymentId,
        url,
        stopped: false,
      },
    );
  }

  async setStopped(serviceId: string, stopped: boolean): Promise<void> {
    await this.db.getRepository(ServiceEntity).update({ id: serviceId }, { stopped });
  }

  async setTarget(serviceId: string, target: Target): Promise<void> {
    await this.db.getRepository(ServiceEntity).update({ id: serviceId }, { target });
  }

  /**
   * Takes (or renews) the service's rollout turn for a deployment: one deployment at a time rolls
   * out a revision of a service, so two settings changes never go live in the wrong order. The turn
   * is free when nobody holds it, its lease ran out (an orchestrator died) or its holder has ended.
   */
  async takeRolloutTurn(serviceId: string, deploymentId: string, leaseSeconds: number): Promise<boolean> {
    const result: unknown = await this.db.query(
      `UPDATE services
          SET rollout_deployment_id = $2, rollout_lease_expires_at = now() + make_interval(secs => $3)
        WHERE id = $1
          AND (rollout_deployment_id IS NULL OR rollout_deployment_id = $2 OR rollout_lease_expires_at < now()
               OR NOT EXISTS (SELECT 1 FROM deployments d WHERE d.id = services.rollout_deployment_id AND d.status IN ('queued', 'running')))
        RETURNING id`,
      [serviceId, deploymentId, leaseSeconds],
    );
    const rows = (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as unknown[];
    return rows.length > 0;
  }

  /** Gives the turn back (only the deployment holding it can). */
  async releaseRolloutTurn(serviceId: string, deploymentId: string): Promise<void> {
    await this.db
      .getRepository(ServiceEntity)
      .update({ id: serviceId, rolloutDeploymentId: deploymentId }, { rolloutDeploymentId: null, rolloutLeaseExpiresAt: null });
  }

  /** Removes the service and its settings; its deployments stay, as history. */
  async remove(serviceId: string): Promise<void> {
    await this.db.getRepository(ServiceEntity).delete({ id: serviceId });
  }

  /** The sealed secrets (runtime and build-time) of the last versions up to `version`, for redaction: an older value may still be printed by an older revision. */
  async sealedSecrets(serviceId: string, version: number): Promise<string[]> {
    const rows: { settings: ServiceSettings }[] = await this.db.query(
      `SELECT settings FROM service_settings WHERE service_id = $1 AND version <= $2 ORDER BY version DESC LIMIT 20`,
      [serviceId, version],
    );
    return [...new Set(rows.flatMap((r) => [...Object.values(r.settings.secrets ?? {}), ...Object.values(r.settings.buildSecrets ?? {})]))];
  }

  private async settingsIn(tx: EntityManager, serviceId: string, version: number): Promise<ServiceSettings> {
    const row = await tx.getRepository(ServiceSettingsEntity).findOneBy({ serviceId, version });
    return row ? row.settings : emptySettings();
  }
}
