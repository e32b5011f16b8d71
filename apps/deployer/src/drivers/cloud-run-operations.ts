import type { LogEntry, ServiceRevision, ServiceState, TrafficSplit } from '#contracts';
import { DomainError } from '#common';
import { CloudRunApi, createdMs, v2 } from './cloud-run-api.js';
import type { CloudRunLogs } from './cloud-run-logs.js';
import type { CloudRunSecrets } from './cloud-run-secrets.js';
import {
  pinnedTraffic,
  readiness,
  servingRevision,
  shortName,
  validateSplits,
  withoutVerificationTags,
  type RunRevision,
  type RunService,
} from './cloud-run-spec.js';
import { DEPLOYMENT_LABEL, SETTINGS_LABEL } from './cloud-run-template.js';
import type { DeleteResult, RollbackResult, ServiceOperations, TrafficResult } from './deploy-driver.js';

const MANUAL = 'MANUAL';

/**
 * Day-2 operations on Cloud Run services: status, revisions, rollback, traffic, logs, stop/start
 * and delete. Cloud Run has no "stop": ServerGem's stop is service-level manual scaling to zero
 * instances (nothing runs or is billed per instance, requests fail until started again), with its
 * verification tags dropped so no tagged URL wakes a revision either. URL, revisions, traffic and
 * settings all stay, which is what a person stopping a service expects to get back.
 */
export class CloudRunOperations implements ServiceOperations {
  constructor(
    private readonly api: CloudRunApi,
    private readonly secrets: () => Promise<CloudRunSecrets>,
    private readonly logReader: CloudRunLogs,
  ) {}

  async status(service: string): Promise<ServiceState> {
    return stateOf(await this.api.existingService(service));
  }

  async revisions(service: string): Promise<ServiceRevision[]> {
    const found = await this.api.existingService(service);
    const traffic = stateOf(found).traffic;
    const percentOf = (name: string) => traffic.filter((t) => t.revision === name).reduce((sum, t) => sum + t.percent, 0);
    const serving = servingRevision(found, v2);
    return (await this.api.listRevisions(found.name ?? '')).map((revision) => {
      const name = shortName(revision.name);
      const settingsVersion = revision.labels?.[SETTINGS_LABEL];
      return {
        revision: name,
        createdAt: new Date(createdMs(revision)).toISOString(),
        current: name === serving,
        ready: isReady(revision),
        percent: percentOf(name),
        image: revision.containers?.[0]?.image ?? null,
        deploymentId: revision.labels?.[DEPLOYMENT_LABEL] ?? null,
        settingsVersion: settingsVersion && /^\d+$/.test(settingsVersion) ? Number(settingsVersion) : null,
      };
    });
  }

  async rollback(service: string, revision?: string): Promise<RollbackResult> {
    const found = await this.api.existingService(service);
    const revisions = await this.api.listRevisions(found.name ?? '');
    let target: RunRevision | undefined;
    if (revision) {
      target = revisions.find((r) => shortName(r.name) === shortName(revision));
      if (!target) {
        throw new DomainError('NOT_FOUND', `Service ${service} has no revision called ${revision}.`, 'List its revisions and pick one of them.');
      }
      if (!isReady(target)) {
        throw new DomainError('DEPLOY_FAILED', `Revision ${revision} is not ready, so it cannot serve.`, 'Pick a revision that became ready.');
      }
    } else {
      const current = revisions.findIndex((r) => shortName(r.name) === servingRevision(found, v2));
      target = revisions.slice(current + 1).find(isReady);
      if (!target) {
        throw new DomainError('NOT_FOUND', `Service ${service} has no earlier ready revision to roll back to.`, 'Deploy a fixed version instead.');
      }
    }
    const targetName = shortName(target.name);
    await this.api.route(found, [{ revision: targetName, percent: 100 }]);
    return { name: service, revision: targetName, url: found.uri ?? '' };
  }

  async traffic(service: string, splits: TrafficSplit[]): Promise<TrafficResult> {
    validateSplits(service, splits);
    const found = await this.api.existingService(service);
    const revisions = new Map((await this.api.listRevisions(found.name ?? '')).map((r) => [shortName(r.name), r]));
    const unknown = splits.filter((s) => !revisions.has(s.revision)).map((s) => s.revision);
    if (unknown.length > 0) {
      throw new DomainError('NOT_FOUND', `Service ${service} has no revision ${unknown.join(', ')}.`, 'List its revisions and use their names.');
    }
    const notReady = splits.filter((s) => s.percent > 0 && !isReady(revisions.get(s.revision)!)).map((s) => s.revision);
    if (notReady.length > 0) {
      throw new DomainError(
        'DEPLOY_FAILED',
        `Revision ${notReady.join(', ')} is not ready, so it cannot take traffic.`,
        'Split between revisions that became ready.',
      );
    }
    await this.api.route(found, splits);
    return { name: service, url: found.uri ?? '', traffic: splits };
  }

  async logs(service: string, tail: number): Promise<LogEntry[]> {
    await this.api.existingService(service);
    return this.logReader.last(service, tail);
  }

  async *followLogs(service: string, signal: AbortSignal): AsyncGenerator<LogEntry> {
    await this.api.existingService(service);
    yield* this.logReader.follow(service, signal);
  }

  async stop(service: string): Promise<ServiceState> {
    const found = await this.api.existingService(service);
    if (!stateOf(found).stopped) {
      const traffic = withoutVerificationTags(pinnedTraffic(found, v2));
      await this.api.update({ ...found, traffic, scaling: { ...found.scaling, scalingMode: MANUAL, manualInstanceCount: 0 } }, `stop ${service}`);
    }
    return this.status(service);
  }

  async start(service: string): Promise<ServiceState> {
    const found = await this.api.existingService(service);
    if (stateOf(found).stopped) {
      // Without a manual instance count: automatic scaling between the revisions' own min and max.
      const scaling = { ...found.scaling, scalingMode: 'AUTOMATIC' as const };
      delete scaling.manualInstanceCount;
      await this.api.update({ ...found, scaling }, `start ${service}`);
    }
    return this.status(service);
  }

  async delete(service: string): Promise<DeleteResult> {
    const found = await this.api.findService(this.api.serviceName(service));
    if (found) {
      const [operation] = await this.api.call(() => this.api.services.deleteService({ name: found.name ?? '' }));
      const error = await this.api.settle(operation, Date.now() + this.api.config.CLOUDRUN_READY_TIMEOUT_SECONDS * 1000);
      if (error) throw new DomainError('DEPLOY_FAILED', `Cloud Run could not delete ${service}: ${error}`, 'The service is still there; try again.');
    }
    // Its secrets go too, also when an earlier delete removed the service but not them.
    const secrets = await (await this.secrets()).deleteAll(service);
    if (!found && secrets.length === 0) {
      throw new DomainError('NOT_FOUND', `There is no Cloud Run service called ${service} in ${this.api.region}.`, 'Check the name and region.');
    }
    return { name: service, secrets };
  }
}

function isReady(revision: RunRevision): boolean {
  return readiness(revision, v2).ready.state === 'CONDITION_SUCCEEDED';
}

/** What Cloud Run says of a service, as the contract has it. */
export function stateOf(service: RunService): ServiceState {
  const condition = service.terminalCondition;
  const state = enumText(condition?.state, v2.Condition.State);
  const latestReady = shortName(service.latestReadyRevision) || null;
  const traffic = (service.trafficStatuses ?? []).map((t) => ({
    revision: t.revision || latestReady || '',
    percent: t.percent ?? 0,
    tag: t.tag || null,
    url: t.uri || null,
  }));
  const scaling = service.scaling;
  const stopped = enumText(scaling?.scalingMode, v2.ServiceScaling.ScalingMode) === MANUAL && (scaling?.manualInstanceCount ?? 0) === 0;
  return {
    name: shortName(service.name),
    target: 'cloudrun',
    url: service.uri ?? '',
    ready: {
      state: state === 'CONDITION_SUCCEEDED' ? 'ready' : state === 'CONDITION_FAILED' ? 'failed' : 'pending',
      message: condition?.message ?? '',
    },
    traffic,
    latestReadyRevision: latestReady,
    latestCreatedRevision: shortName(service.latestCreatedRevision) || null,
    stopped,
  };
}

function enumText(value: unknown, values: Record<string, string | number>): string {
  if (typeof value === 'number') return String((values as Record<number, string>)[value] ?? value);
  return typeof value === 'string' ? value : '';
}
