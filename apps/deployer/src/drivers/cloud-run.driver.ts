import { protos, RevisionsClient, ServicesClient } from '@google-cloud/run';
import { DomainError } from '#common';
import type { ProgressReporter } from '#messaging';
import type { DeployerConfig } from '../deployer.config.js';
import {
  containerPort,
  pinnedTraffic,
  readiness,
  retarget,
  revisionTemplate,
  servingRevision,
  shortName,
  TRAFFIC_REVISION,
  validateSplits,
  type RunRevision,
  type RunService,
  type RunTraffic,
  type TrafficSplit,
} from './cloud-run-spec.js';
import type { DeployDriver, DeployJob, DeployResult } from './deploy-driver.js';
import { googleClientOptions } from './google-client-options.js';

const v2 = protos.google.cloud.run.v2;
const NOT_FOUND = 5;
const INVOKER = 'roles/run.invoker';
const HTTP_CHECK_TIMEOUT_MS = 30_000;

/** What a long-running operation from the client offers; narrower than its type so both LROs fit. */
interface Operation {
  name?: string | null;
  promise(): Promise<unknown>;
  removeAllListeners(): unknown;
  on(event: 'error', listener: () => void): unknown;
}

export interface CloudRunDriverOptions {
  /** How often a new revision's Ready condition is read. */
  pollIntervalMs?: number;
}

/**
 * The `cloudrun` target: Cloud Run Admin API v2. Each deployment is one revision named
 * `<service>-<first 8 of the deployment id>`, created with no traffic (beside what serves now),
 * proven Ready and answering on its own tagged URL, and only then given all the traffic.
 */
export class CloudRunDeployDriver implements DeployDriver {
  readonly name = 'cloudrun';
  private readonly services: ServicesClient;
  private readonly revisions: RevisionsClient;
  private readonly project: string;
  private readonly region: string;
  private readonly pollIntervalMs: number;

  constructor(
    private readonly config: DeployerConfig,
    options: CloudRunDriverOptions = {},
  ) {
    if (!config.GOOGLE_CLOUD_PROJECT) {
      throw new DomainError('DEPLOY_FAILED', 'Cloud Run needs a Google Cloud project.', 'Set GOOGLE_CLOUD_PROJECT on the deployer.');
    }
    this.project = config.GOOGLE_CLOUD_PROJECT;
    this.region = config.GOOGLE_CLOUD_REGION;
    this.services = new ServicesClient(googleClientOptions(config.CLOUDRUN_API_ENDPOINT, this.project));
    this.revisions = new RevisionsClient(googleClientOptions(config.CLOUDRUN_API_ENDPOINT, this.project));
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
  }

  async deploy(job: DeployJob): Promise<DeployResult> {
    const { reporter, artifact, report } = job;
    if (artifact.kind !== 'image') {
      throw new DomainError('DEPLOY_FAILED', 'Cloud Run deploys container images, and this build made none.', 'Build with the cloudbuild target.');
    }
    const name = this.serviceName(job.serviceName);
    const id8 = job.deploymentId.slice(0, 8).toLowerCase();
    const revision = `${job.serviceName}-${id8}`.toLowerCase();
    const tag = `sg-${id8}`;
    reporter.step('deploying', `Deploying ${artifact.image} to Cloud Run service ${job.serviceName} in ${this.region}`);
    const existing = await this.findService(name);
    const template = revisionTemplate({
      deploymentId: job.deploymentId,
      revision,
      image: artifact.image,
      report,
      config: this.config,
      existingEnv: existing?.template?.containers?.[0]?.env ?? [],
      warn: (line) => reporter.log(`warning: ${line}`),
    });
    const labels = { ...(existing?.labels ?? {}), 'servergem-deployment': job.deploymentId, 'managed-by': 'servergem' };
    const previous = existing ? servingRevision(existing, v2) : null;
    let operation: Operation;
    if (!existing) {
      // A new service's first revision necessarily takes all the traffic; it is still verified.
      const traffic: RunTraffic[] = [{ type: TRAFFIC_REVISION, revision, percent: 100, tag }];
      [operation] = await this.call(() =>
        this.services.createService({ parent: this.parent(), serviceId: job.serviceName, service: { labels, template, traffic } }),
      );
      reporter.log(`Creating service ${name} with revision ${revision} (port ${containerPort(report)}): operation ${operation.name ?? '?'}`);
    } else {
      const pinned = pinnedTraffic(existing, v2);
      // A retried deployment finds its revision already in the traffic.
      const traffic = pinned.some((t) => t.revision === revision) ? pinned : [...pinned, { type: TRAFFIC_REVISION, revision, percent: 0, tag }];
      // Settings made outside ServerGem (probes, sidecars, service account) carry over.
      const containers = existing.template?.containers ?? [];
      const merged = { ...existing.template, ...template, containers: [{ ...containers[0], ...template.containers?.[0] }, ...containers.slice(1)] };
      const service: RunService = { ...existing, labels, template: merged, traffic };
      [operation] = await this.call(() => this.services.updateService({ service }));
      reporter.log(`Updating service ${name}: revision ${revision} at 0% (${previous ?? 'no revision'} keeps serving): operation ${operation.name ?? '?'}`);
    }

    reporter.step('verifying', `Waiting for revision ${revision} to become ready`);
    const deadline = Date.now() + this.config.CLOUDRUN_READY_TIMEOUT_SECONDS * 1000;
    const operationError = await this.settle(operation, deadline);
    if (operationError) reporter.log(`Operation ${operation.name ?? '?'}: ${operationError}`);
    await this.waitReady(`${name}/revisions/${revision}`, deadline, reporter, previous);

    if (this.config.CLOUDRUN_ALLOW_UNAUTHENTICATED) await this.allowPublic(name, reporter);
    const deployed = await this.getService(name);
    const url = deployed.trafficStatuses?.find((t) => t.tag === tag)?.uri || deployed.uri || '';
    if (this.config.CLOUDRUN_VERIFY_HTTP) await this.checkHttp(url, `${name}/revisions/${revision}`, reporter, previous);
    else reporter.log(`HTTP check skipped (CLOUDRUN_VERIFY_HTTP=false)`);

    await this.route(deployed, [{ revision, percent: 100 }], reporter);
    reporter.log(`Revision ${revision} now serves 100% of ${deployed.uri ?? ''}`);
    return { url: deployed.uri ?? url, serviceName: job.serviceName, region: this.region, image: artifact.image };
  }

  /** Serves a named revision again, or the ready one before the revision serving now. */
  async rollback(serviceName: string, revision?: string): Promise<{ name: string; revision: string; url: string }> {
    const service = await this.existingService(serviceName);
    const revisions = await this.listRevisions(service.name ?? '');
    const serving = servingRevision(service, v2);
    const ready = (r: RunRevision) => readiness(r, v2).ready.state === 'CONDITION_SUCCEEDED';
    let target: RunRevision | undefined;
    if (revision) {
      target = revisions.find((r) => shortName(r.name) === shortName(revision));
      if (!target) {
        throw new DomainError('NOT_FOUND', `Service ${serviceName} has no revision called ${revision}.`, 'List its revisions and pick one of them.');
      }
      if (!ready(target)) {
        throw new DomainError('DEPLOY_FAILED', `Revision ${revision} is not ready, so it cannot serve.`, 'Pick a revision that became ready.');
      }
    } else {
      const current = revisions.findIndex((r) => shortName(r.name) === serving);
      target = revisions.slice(current + 1).find(ready);
      if (!target) {
        throw new DomainError('NOT_FOUND', `Service ${serviceName} has no earlier ready revision to roll back to.`, 'Deploy a fixed version instead.');
      }
    }
    const targetName = shortName(target.name);
    await this.route(service, [{ revision: targetName, percent: 100 }]);
    return { name: serviceName, revision: targetName, url: service.uri ?? '' };
  }

  /** Splits the traffic between revisions, e.g. 90/10 for a canary. */
  async splitTraffic(serviceName: string, splits: TrafficSplit[]): Promise<{ name: string; url: string; traffic: TrafficSplit[] }> {
    validateSplits(serviceName, splits);
    const service = await this.existingService(serviceName);
    const known = new Set((await this.listRevisions(service.name ?? '')).map((r) => shortName(r.name)));
    const unknown = splits.filter((s) => !known.has(s.revision)).map((s) => s.revision);
    if (unknown.length > 0) {
      throw new DomainError('NOT_FOUND', `Service ${serviceName} has no revision ${unknown.join(', ')}.`, 'List its revisions and use their names.');
    }
    await this.route(service, splits);
    return { name: serviceName, url: service.uri ?? '', traffic: splits };
  }

  /** Cloud Run services live on without ServerGem; nothing to stop here. */
  async stopAll(): Promise<void> {}

  async close(): Promise<void> {
    await Promise.all([this.services.close(), this.revisions.close()]);
  }

  private parent(): string {
    return `projects/${this.project}/locations/${this.region}`;
  }

  private serviceName(service: string): string {
    return `${this.parent()}/services/${service}`;
  }

  private async route(service: RunService, splits: TrafficSplit[], reporter?: ProgressReporter): Promise<void> {
    const traffic = retarget(pinnedTraffic(service, v2), splits, shortName(service.latestReadyRevision));
    const [operation] = await this.call(() => this.services.updateService({ service: { ...service, traffic } }));
    const split = splits.map((s) => `${s.revision} ${s.percent}%`).join(', ');
    reporter?.log(`Shifting traffic of ${shortName(service.name)} to ${split}: operation ${operation.name ?? '?'}`);
    const error = await this.settle(operation, Date.now() + this.config.CLOUDRUN_READY_TIMEOUT_SECONDS * 1000);
    if (error) {
      throw new DomainError('DEPLOY_FAILED', `Cloud Run could not shift the traffic to ${split}: ${error}`, 'The traffic stays as it was; try again.');
    }
  }

  /** Waits for the operation until the deadline; returns its error, or null when it finished (or is still going). */
  private async settle(operation: Operation, deadline: number): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      operation.promise().then(
        () => null,
        (error: unknown) => errorText(error),
      ),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now())))),
    ]);
    clearTimeout(timer);
    if (outcome !== 'timeout') return outcome;
    // Stop polling; an in-flight poll's late error must not crash the process.
    operation.removeAllListeners();
    operation.on('error', () => undefined);
    return null;
  }

  private async waitReady(name: string, deadline: number, reporter: ProgressReporter, previous: string | null): Promise<void> {
    let seen = '';
    let lines: string[];
    let message = 'no Ready condition was reported';
    for (;;) {
      const [revision] = await this.call(() => this.revisions.getRevision({ name }));
      const state = readiness(revision, v2);
      lines = state.lines;
      if (state.ready.message) message = state.ready.message;
      const now = `${state.ready.state} ${state.ready.message}`;
      if (now !== seen) reporter.log(`Revision ${shortName(name)} Ready: ${state.ready.state}${state.ready.message ? ` — ${state.ready.message}` : ''}`);
      seen = now;
      if (state.ready.state === 'CONDITION_SUCCEEDED') return;
      if (state.ready.state === 'CONDITION_FAILED' || Date.now() + this.pollIntervalMs > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, this.pollIntervalMs));
    }
    for (const line of lines) reporter.log(line);
    throw new DomainError(
      'DEPLOY_FAILED',
      `Cloud Run revision never became ready: ${message} (revision ${shortName(name)}; ${keepsServing(previous)}).`,
      'Check that the app listens on the PORT Cloud Run sets and starts in time; its logs are in Cloud Logging.',
      lines,
    );
  }

  private async checkHttp(url: string, revisionName: string, reporter: ProgressReporter, previous: string | null): Promise<void> {
    let failure: string;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(HTTP_CHECK_TIMEOUT_MS), redirect: 'manual' });
      await response.body?.cancel();
      reporter.log(`GET ${url} -> ${response.status}`);
      if (response.status < 500) return;
      failure = `HTTP ${response.status}`;
    } catch (error) {
      failure = errorText(error);
    }
    const revision = shortName(revisionName);
    const [current] = await this.call(() => this.revisions.getRevision({ name: revisionName }));
    const lines = readiness(current, v2).lines;
    for (const line of lines) reporter.log(line);
    throw new DomainError(
      'DEPLOY_FAILED',
      `HTTP check of ${url} failed: ${failure} (revision ${revision}; ${keepsServing(previous)}).`,
      'The new revision answered with a server error or not at all; fix the app and deploy again.',
      [`GET ${url} -> ${failure}`, ...lines],
    );
  }

  private async allowPublic(resource: string, reporter: ProgressReporter): Promise<void> {
    const [policy] = await this.call(() => this.services.getIamPolicy({ resource }));
    const bindings = policy.bindings ?? [];
    if (bindings.some((b) => b.role === INVOKER && b.members?.includes('allUsers'))) return;
    const invoker = bindings.find((b) => b.role === INVOKER);
    const updated = invoker
      ? bindings.map((b) => (b === invoker ? { ...b, members: [...(b.members ?? []), 'allUsers'] } : b))
      : [...bindings, { role: INVOKER, members: ['allUsers'] }];
    await this.call(() => this.services.setIamPolicy({ resource, policy: { ...policy, bindings: updated } }));
    reporter.log(`Granted ${INVOKER} to allUsers on ${shortName(resource)} (CLOUDRUN_ALLOW_UNAUTHENTICATED=true)`);
  }

  private async findService(name: string): Promise<RunService | null> {
    try {
      const [service] = await this.services.getService({ name });
      return service;
    } catch (error) {
      if (grpcCode(error) === NOT_FOUND) return null;
      throw this.failure(error);
    }
  }

  private async getService(name: string): Promise<RunService> {
    return (await this.call(() => this.services.getService({ name })))[0];
  }

  private async existingService(serviceName: string): Promise<RunService> {
    const service = await this.findService(this.serviceName(serviceName));
    if (!service) {
      throw new DomainError('NOT_FOUND', `There is no Cloud Run service called ${serviceName} in ${this.region}.`, 'Check the name and region.');
    }
    return service;
  }

  /** Newest first. */
  private async listRevisions(parent: string): Promise<RunRevision[]> {
    const [revisions] = await this.call(() => this.revisions.listRevisions({ parent }, { autoPaginate: true }));
    const time = (r: RunRevision) => Number(r.createTime?.seconds ?? 0) * 1000 + (r.createTime?.nanos ?? 0) / 1e6;
    return [...revisions].sort((a, b) => time(b) - time(a));
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.failure(error);
    }
  }

  private failure(error: unknown): DomainError {
    if (error instanceof DomainError) return error;
    return new DomainError(
      'DEPLOY_FAILED',
      `The Cloud Run Admin API refused the request: ${errorText(error)}`,
      'Check GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_REGION and that the deployer’s credentials may use Cloud Run.',
    );
  }
}

function keepsServing(previous: string | null): string {
  return previous ? `${previous} keeps serving` : 'nothing was serving before';
}

function grpcCode(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number' ? error.code : undefined;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
