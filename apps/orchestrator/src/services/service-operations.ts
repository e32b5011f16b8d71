import { Injectable, Logger } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import {
  deleteServiceSubject,
  listRevisionsSubject,
  listServicesSubject,
  rollbackSubject,
  serviceLogsSubject,
  serviceStateSubject,
  startServiceSubject,
  stopServiceSubject,
  trafficSubject,
  type CloudRunLimits,
  type OwnedService,
  type ResponseOf,
  type SealedSettingsChange,
  type ServiceRevision,
  type ServiceState,
  type ServiceSummary,
  type TrafficSplit,
  type ownedServiceGetSubject,
  type ownedSettingsChangeSubject,
} from '#contracts';
import { DomainError, Redactor, SecretBox } from '#common';
import { MessageBus } from '#messaging';
import { DeploymentEntity } from '../database/deployment.entity.js';
import type { ServiceEntity } from '../database/service.entity.js';
import { DeploymentStarter } from './deployment-starter.js';
import { ServicesRepository } from './services.repository.js';
import { buildTimeChanges, settingsView } from './settings-change.js';
import { cloudRunLimits, usageOf } from './service-usage.js';

/**
 * The operations on a service a person owns — one function each, one owner check each — behind
 * REST, the CLI, the chat and the web UI alike. The table says what the owner has; the deployer is
 * asked only about a service the owner was found to own.
 */
@Injectable()
export class ServiceOperations {
  private readonly logger = new Logger(ServiceOperations.name);

  constructor(
    private readonly db: DataSource,
    private readonly bus: MessageBus,
    private readonly services: ServicesRepository,
    private readonly starter: DeploymentStarter,
    private readonly box: SecretBox,
  ) {}

  async list(owner: string): Promise<OwnedService[]> {
    const rows = await this.services.listOwned(owner);
    if (rows.length === 0) return [];
    const runtime = rows.some((r) => r.target === 'local') ? await this.localSummaries() : new Map<string, ServiceSummary>();
    const latest = await this.latestDeployments(rows.map((r) => r.id));
    const limits = await this.limitsOf(rows);
    return rows.map((row) => ({ ...toOwned(row, runtime.get(row.name), latest.get(row.id) ?? null), limits: limits.get(row.id) ?? null }));
  }

  async get(owner: string, name: string): Promise<ResponseOf<typeof ownedServiceGetSubject>> {
    const row = await this.services.requireOwned(owner, name);
    const latest = (await this.latestDeployments([row.id])).get(row.id) ?? null;
    if (row.target === 'local') {
      const summary = (await this.localSummaries()).get(row.name);
      const service = toOwned(row, summary, latest);
      return { ...localState(service), service };
    }
    const state = row.currentRevision ? await this.bus.request(serviceStateSubject, { name, target: row.target }) : emptyState(row);
    const service = { ...toOwned(row, undefined, latest, state), limits: cloudRunLimits(await this.services.settings(row)) };
    return { ...state, service };
  }

  async revisions(owner: string, name: string): Promise<{ name: string; revisions: ServiceRevision[] }> {
    const row = await this.services.requireOwned(owner, name);
    if (!row.currentRevision && !row.previousRevision) return { name, revisions: [] };
    const { revisions } = await this.bus.request(listRevisionsSubject, { name, target: row.target });
    if (row.target !== 'local') return { name, revisions };
    // A local revision is the deployment that made it: its settings version comes from the table.
    const made = await this.db.getRepository(DeploymentEntity).find({ where: { id: In(revisions.map((r) => r.revision)), serviceId: row.id } });
    const byId = new Map(made.map((d) => [d.id, d]));
    return {
      name,
      revisions: revisions.map((r) => ({ ...r, deploymentId: r.revision, settingsVersion: byId.get(r.revision)?.settingsVersion ?? null })),
    };
  }

  async rollback(owner: string, name: string, revision?: string): Promise<{ name: string; revision: string; url: string }> {
    const row = await this.services.requireOwned(owner, name);
    this.requireRevision(row);
    const result = await this.bus.request(rollbackSubject, { name, target: row.target, revision });
    await this.services.served(row.id, result.revision, await this.deploymentOf(row, result.revision), result.url);
    return result;
  }

  async logs(owner: string, name: string, tail: number): Promise<ResponseOf<typeof serviceLogsSubject>> {
    const row = await this.services.requireOwned(owner, name);
    if (!row.currentRevision && !row.previousRevision) return { name, lines: [] };
    const logs = await this.bus.request(serviceLogsSubject, { name, target: row.target, tail });
    // Whatever the app printed, its secrets do not leave in clear.
    const redactor = await this.redactor(row);
    return {
      ...logs,
      lines: logs.lines.map((l) => redactor.redact(l)),
      ...(logs.entries ? { entries: logs.entries.map((e) => ({ ...e, text: redactor.redact(e.text) })) } : {}),
    };
  }

  async power(owner: string, name: string, action: 'stop' | 'start'): Promise<{ name: string; status: 'running' | 'crashed' | 'stopped' }> {
    const row = await this.services.requireOwned(owner, name);
    this.requireRevision(row);
    let status: 'running' | 'crashed' | 'stopped';
    if (action === 'stop') status = (await this.bus.request(stopServiceSubject, { name, target: row.target })).status;
    else if (row.target === 'local') {
      // Serving the current revision again is what starting a stopped local service is.
      await this.bus.request(rollbackSubject, { name, target: 'local', revision: row.currentRevision ?? undefined });
      status = 'running';
    } else status = (await this.bus.request(startServiceSubject, { name, target: row.target })).status;
    await this.services.setStopped(row.id, status === 'stopped');
    return { name, status };
  }

  async delete(owner: string, name: string): Promise<{ name: string; deleted: true; secrets: string[] }> {
    const row = await this.services.requireOwned(owner, name);
    let secrets: string[] = [];
    if (row.currentRevision || row.previousRevision) {
      try {
        secrets = (await this.bus.request(deleteServiceSubject, { name, target: row.target })).secrets;
      } catch (error) {
        // Already gone from the target: the row goes all the same.
        if (DomainError.from(error).code !== 'NOT_FOUND') throw error;
      }
    }
    await this.services.remove(row.id);
    return { name, deleted: true, secrets };
  }

  async traffic(owner: string, name: string, splits: TrafficSplit[]): Promise<ResponseOf<typeof trafficSubject>> {
    const row = await this.services.requireOwned(owner, name);
    this.requireRevision(row);
    if (row.target === 'local') {
      throw new DomainError(
        'VALIDATION_FAILED',
        `${name} runs on the local target, which serves one revision at a time.`,
        `Use \`servergem rollback ${name} --to <revision>\` to serve another revision; traffic splits are for Cloud Run services.`,
      );
    }
    const result = await this.bus.request(trafficSubject, { name, target: row.target, splits });
    const top = [...result.traffic].sort((a, b) => b.percent - a.percent)[0];
    if (top && top.percent === 100) await this.services.served(row.id, top.revision, await this.deploymentOf(row, top.revision), result.url);
    return result;
  }

  async settings(owner: string, name: string) {
    const row = await this.services.requireOwned(owner, name);
    return { name, settings: settingsView(await this.services.settings(row), row.settingsVersion, (s) => this.open(s)) };
  }

  /**
   * A new settings version, rolled out when a revision serves: a new revision of the same build when
   * only runtime values changed; a rebuild from the source it serves when a build-time value did
   * (the image has those built in), one rebuild however much else changed with them.
   */
  async changeSettings(owner: string, name: string, change: SealedSettingsChange, rollout = true): Promise<ResponseOf<typeof ownedSettingsChangeSubject>> {
    const row = await this.services.requireOwned(owner, name);
    const { version, settings, previous, changed } = await this.services.change(row.id, change);
    const buildChanged = buildTimeChanges(previous, settings, (s) => this.open(s));
    const stored = { name, settings: settingsView(settings, version, (s) => this.open(s)), changed, buildChanged };
    const none = { ...stored, deploymentId: null, rolloutKind: null };
    if (!rollout || changed.length === 0) return none;
    // What serves now, read after the change: a deployment that went live meanwhile is the one to build on.
    const servingId = (await this.services.byId(row.id))?.currentDeploymentId ?? null;
    const current = servingId ? await this.db.getRepository(DeploymentEntity).findOneBy({ id: servingId }) : null;
    if (!current?.report) return none;
    const runtime = changed.filter((n) => !buildChanged.includes(n));
    if (buildChanged.length > 0) {
      const deployment = await this.rebuild(row, current, version, buildChanged, runtime);
      return { ...stored, deploymentId: deployment.id, rolloutKind: 'rebuild' };
    }
    if (!current.artifact) return none;
    const { deployment } = await this.starter.start(
      {
        ...this.sourceServing(row, current),
        kind: 'settings',
        commitSha: current.commitSha,
        report: current.report,
        artifact: current.artifact,
        settingsVersion: version,
      },
      `Settings version ${version} of ${name} (${changed.join(', ')}): a new revision of the same build, no rebuild`,
    );
    return { ...stored, deploymentId: deployment.id, rolloutKind: 'same-build' };
  }

  /**
   * Builds the service again for a settings version that changed build-time values: from the
   * commit it serves, with its accepted patches and its analysis, as `redeploy` does; a folder
   * (no commit) is analysed and built again as it is now.
   */
  private async rebuild(row: ServiceEntity, current: DeploymentEntity, version: number, buildChanged: string[], runtime: string[]): Promise<DeploymentEntity> {
    const sameCommit = current.commitSha !== null;
    const from = sameCommit ? `at commit ${current.commitSha!.slice(0, 12)}` : 'from its folder as it is now';
    const also = runtime.length ? `, with ${runtime.join(', ')} too` : '';
    const { deployment } = await this.starter.start(
      {
        ...this.sourceServing(row, current),
        kind: 'rebuild',
        settingsVersion: version,
        ...(sameCommit ? { commitSha: current.commitSha, report: current.report } : {}),
      },
      `Settings version ${version} of ${row.name}: build-time settings changed (${buildChanged.join(', ')}), so it is rebuilt ${from}${also} — a rebuild, not a new revision of the same build`,
    );
    return deployment;
  }

  /**
   * What a new deployment of the service takes from the one serving: its source, and the fixes
   * accepted for it (its build has them; the next rebuild or redeploy keeps them).
   */
  private sourceServing(row: ServiceEntity, current: DeploymentEntity) {
    const { repoUrl, branch, appPath } = current;
    return { owner: row.owner, repoUrl, branch, appPath, patches: current.patches ?? null, target: row.target, serviceId: row.id, serviceName: row.name };
  }

  /** The same source again: the commit it serves now (or, `latest`, the branch's newest), with the current settings. */
  async redeploy(owner: string, name: string, latest: boolean): Promise<{ name: string; deploymentId: string; commitSha: string | null }> {
    const row = await this.services.requireOwned(owner, name);
    const repo = this.db.getRepository(DeploymentEntity);
    const basis =
      (row.currentDeploymentId ? await repo.findOneBy({ id: row.currentDeploymentId }) : null) ??
      (await repo.findOne({ where: { serviceId: row.id }, order: { createdAt: 'DESC' } }));
    // A folder has no commit to go back to: it is analysed again as it is now.
    const sameCommit = !latest && basis?.report && basis.commitSha !== null;
    const { deployment } = await this.starter.start(
      {
        owner,
        kind: 'redeploy',
        repoUrl: basis?.repoUrl ?? row.repoUrl,
        branch: basis?.branch ?? row.branch,
        appPath: basis?.appPath ?? row.appPath,
        // The fixes accepted for the service stay until its source has them (then they are skipped).
        patches: basis?.patches ?? null,
        target: row.target,
        serviceId: row.id,
        serviceName: row.name,
        ...(sameCommit ? { commitSha: basis.commitSha, report: basis.report } : {}),
      },
      sameCommit && basis.commitSha
        ? `Redeploying ${name} at commit ${basis.commitSha.slice(0, 12)} with settings version ${row.settingsVersion}`
        : `Redeploying ${name} from ${latest ? "the branch's newest commit" : 'its source'} with settings version ${row.settingsVersion}`,
    );
    return { name, deploymentId: deployment.id, commitSha: sameCommit ? basis.commitSha : null };
  }

  /** Every secret the service had lately, to redact what its app prints. */
  private async redactor(row: ServiceEntity): Promise<Redactor> {
    const sealed = await this.services.sealedSecrets(row.id, row.settingsVersion);
    return new Redactor(sealed.map((s) => this.open(s)).filter((v): v is string => v !== null));
  }

  private open(sealed: string): string | null {
    try {
      return this.box.open(sealed);
    } catch {
      return null;
    }
  }

  private requireRevision(row: ServiceEntity): void {
    if (row.currentRevision || row.previousRevision) return;
    throw new DomainError('NOT_FOUND', `${row.name} has no revision yet: it has never gone live.`, `Deploy it first (\`servergem redeploy ${row.name}\`).`);
  }

  /** The deployment that made a revision: a local revision is its id; a Cloud Run one ends with its first 8 characters. */
  private async deploymentOf(row: ServiceEntity, revision: string): Promise<string | null> {
    if (row.target === 'local') return revision;
    const id8 = revision.slice(row.name.length + 1);
    if (!/^[0-9a-f]{8}$/.test(id8)) return null;
    const rows: { id: string }[] = await this.db.query(`SELECT id FROM deployments WHERE service_id = $1 AND id::text LIKE $2 LIMIT 1`, [row.id, `${id8}%`]);
    return rows[0]?.id ?? null;
  }

  /** Cloud Run services' limits from their settings: there, usage is not measured. */
  private async limitsOf(rows: ServiceEntity[]): Promise<Map<string, CloudRunLimits>> {
    const cloud = rows.filter((r) => r.target === 'cloudrun');
    return new Map(await Promise.all(cloud.map(async (row) => [row.id, cloudRunLimits(await this.services.settings(row))] as const)));
  }

  /** What the local runtime reports of its services; without an answer, the table alone speaks. */
  private async localSummaries(): Promise<Map<string, ServiceSummary>> {
    try {
      const { services } = await this.bus.request(listServicesSubject, {});
      return new Map(services.map((s) => [s.name, s]));
    } catch (error) {
      this.logger.warn(`The local runtime did not list its services: ${DomainError.from(error).message}`);
      return new Map();
    }
  }

  private async latestDeployments(serviceIds: string[]): Promise<Map<string, DeploymentEntity>> {
    if (serviceIds.length === 0) return new Map();
    const rows: { id: string }[] = await this.db.query(
      `SELECT DISTINCT ON (service_id) id FROM deployments WHERE service_id = ANY($1::uuid[]) ORDER BY service_id, created_at DESC`,
      [serviceIds],
    );
    const found = await this.db.getRepository(DeploymentEntity).findBy({ id: In(rows.map((r) => r.id)) });
    return new Map(found.map((d) => [d.serviceId!, d]));
  }
}

function toOwned(row: ServiceEntity, summary: ServiceSummary | undefined, latest: DeploymentEntity | null, state?: ServiceState): OwnedService {
  const running = latest && (latest.status === 'queued' || latest.status === 'running');
  let status: OwnedService['status'];
  if (summary) status = summary.status;
  else if (state) status = state.stopped ? 'stopped' : state.ready.state === 'failed' ? 'crashed' : 'running';
  else status = row.stopped || !row.currentRevision ? 'stopped' : 'running';
  const life: OwnedService['state'] = running
    ? 'deploying'
    : !row.currentRevision
      ? latest?.status === 'failed'
        ? 'failed'
        : 'new'
      : status === 'running'
        ? 'live'
        : status;
  return {
    name: row.name,
    target: row.target,
    region: row.region,
    url: summary?.url ?? state?.url ?? row.url ?? '',
    state: life,
    status,
    revision: summary?.revision ?? row.currentRevision,
    previousRevision: row.previousRevision,
    pid: summary?.pid ?? null,
    restarts: summary?.restarts ?? 0,
    startedAt: summary?.startedAt ?? null,
    settingsVersion: row.settingsVersion,
    repoUrl: row.repoUrl,
    branch: row.branch,
    appPath: row.appPath,
    lastDeployment: latest
      ? {
          id: latest.id,
          kind: latest.kind,
          status: latest.status,
          stage: latest.stage,
          settingsVersion: latest.settingsVersion,
          createdAt: latest.createdAt.toISOString(),
          finishedAt: latest.finishedAt?.toISOString() ?? null,
        }
      : null,
    createdAt: row.createdAt.toISOString(),
    ...usageOf(summary),
  };
}

/** A local service in the shape Cloud Run's status has: one revision serving all of it. */
function localState(service: OwnedService): ServiceState {
  const ready = service.status === 'running' ? 'ready' : service.status === 'crashed' ? 'failed' : 'pending';
  const message = service.status === 'crashed' ? 'the app exited; the supervisor restarts it' : service.status === 'stopped' ? 'stopped' : '';
  return {
    name: service.name,
    target: 'local',
    url: service.url,
    ready: { state: ready, message },
    traffic: service.revision ? [{ revision: service.revision, percent: 100, tag: null, url: null }] : [],
    latestReadyRevision: service.revision,
    latestCreatedRevision: service.lastDeployment?.id ?? service.revision,
    stopped: service.status === 'stopped',
  };
}

function emptyState(row: ServiceEntity): ServiceState {
  return {
    name: row.name,
    target: row.target,
    url: row.url ?? '',
    ready: { state: 'pending', message: 'never deployed' },
    traffic: [],
    latestReadyRevision: null,
    latestCreatedRevision: null,
    stopped: false,
  };
}
