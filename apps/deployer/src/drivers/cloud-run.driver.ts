import type { LogEntry, ServiceRevision, ServiceState, TrafficSplit } from '#contracts';
import { DomainError, SecretBox } from '#common';
import type { ProgressReporter } from '#messaging';
import type { DeployerConfig } from '../deployer.config.js';
import { CloudRunApi, errorText, v2, type Operation } from './cloud-run-api.js';
import { CloudRunLogs } from './cloud-run-logs.js';
import { CloudRunOperations } from './cloud-run-operations.js';
import { CloudRunSecrets, type SecretPurpose, type SecretRef, type SecretUse } from './cloud-run-secrets.js';
import { pinnedTraffic, readiness, servingRevision, shortName, TRAFFIC_REVISION, type RunService, type RunTraffic } from './cloud-run-spec.js';
import { containerPort, revisionTemplate } from './cloud-run-template.js';
import type { DeleteResult, DeployDriver, DeployJob, DeployResult, RollbackResult, ServiceOperations, TrafficResult } from './deploy-driver.js';
import { googleClientOptions } from './google-client-options.js';
import { SecretFingerprint } from './secret-fingerprint.js';

const INVOKER = 'roles/run.invoker';
const HTTP_CHECK_TIMEOUT_MS = 30_000;

export interface CloudRunDriverOptions {
  /** How often a new revision's Ready condition is read. */
  pollIntervalMs?: number;
  /** The installation key: opens the settings' sealed secrets and keys their fingerprints. */
  installationKey?: string;
}

/** What one deployment is making, for cleaning up after a cancel. */
interface Attempt {
  service: string;
  name: string;
  revision: string;
  previous: RunService | null;
}

/**
 * The `cloudrun` target: Cloud Run Admin API v2. Each deployment is one revision named
 * `<service>-<first 8 of the deployment id>`, created with no traffic (beside what serves now),
 * proven Ready and answering on its own tagged URL, and only then given all the traffic. A
 * cancelled deployment removes its revision and leaves the previous one serving.
 */
export class CloudRunDeployDriver implements DeployDriver, ServiceOperations {
  readonly name = 'cloudrun';
  private readonly api: CloudRunApi;
  private readonly operations: CloudRunOperations;
  private readonly logReader: CloudRunLogs;
  private readonly pollIntervalMs: number;
  private secretsLoaded: Promise<CloudRunSecrets> | undefined;

  constructor(
    private readonly config: DeployerConfig,
    private readonly options: CloudRunDriverOptions = {},
  ) {
    if (!config.GOOGLE_CLOUD_PROJECT) {
      throw new DomainError('DEPLOY_FAILED', 'Cloud Run needs a Google Cloud project.', 'Set GOOGLE_CLOUD_PROJECT on the deployer.');
    }
    const project = config.GOOGLE_CLOUD_PROJECT;
    this.api = new CloudRunApi(config, project);
    this.logReader = new CloudRunLogs(project, config.GOOGLE_CLOUD_REGION, googleClientOptions(config.LOGGING_API_ENDPOINT, project));
    this.operations = new CloudRunOperations(this.api, () => this.secrets(), this.logReader);
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
  }

  async deploy(job: DeployJob): Promise<DeployResult> {
    const { reporter, artifact, report, signal } = job;
    if (artifact.kind !== 'image') {
      throw new DomainError('DEPLOY_FAILED', 'Cloud Run deploys container images, and this build made none.', 'Build with the cloudbuild target.');
    }
    const name = this.api.serviceName(job.serviceName);
    const id8 = job.deploymentId.slice(0, 8).toLowerCase();
    const revision = `${job.serviceName}-${id8}`.toLowerCase();
    const tag = `sg-${id8}`;
    cancelledIf(signal, 'before it reached Cloud Run; nothing was changed');
    reporter.step('deploying', `Deploying ${artifact.image} to Cloud Run service ${job.serviceName} in ${this.api.region}`);
    const sealed = job.settings?.secrets ?? {};
    const secretRefs = Object.keys(sealed).length > 0 ? await (await this.secrets()).sync(job.serviceName, sealed, (l) => reporter.log(l)) : {};
    const existing = await this.api.findService(name);
    cancelledIf(signal, `before a revision was made; ${keepsServing(existing ? servingRevision(existing, v2) : null)}`);
    const template = revisionTemplate({
      deploymentId: job.deploymentId,
      revision,
      image: artifact.image,
      report,
      config: this.config,
      settings: job.settings,
      settingsVersion: job.settingsVersion,
      secretRefs,
      existingEnv: existing?.template?.containers?.[0]?.env ?? [],
      warn: (line) => reporter.log(`warning: ${line}`),
    });
    const labels = { ...(existing?.labels ?? {}), 'servergem-deployment': job.deploymentId, 'managed-by': 'servergem' };
    const previous = existing ? servingRevision(existing, v2) : null;
    const attempt: Attempt = { service: job.serviceName, name, revision, previous: existing };
    let operation: Operation;
    if (!existing) {
      // A new service's first revision necessarily takes all the traffic; it is still verified.
      const traffic: RunTraffic[] = [{ type: TRAFFIC_REVISION, revision, percent: 100, tag }];
      [operation] = await this.api.call(() =>
        this.api.services.createService({ parent: this.api.parent(), serviceId: job.serviceName, service: { labels, template, traffic } }),
      );
      reporter.log(`Creating service ${name} with revision ${revision} (port ${containerPort(report, job.settings)}): operation ${operation.name ?? '?'}`);
    } else {
      const pinned = pinnedTraffic(existing, v2);
      // A retried deployment finds its revision already in the traffic.
      const traffic = pinned.some((t) => t.revision === revision) ? pinned : [...pinned, { type: TRAFFIC_REVISION, revision, percent: 0, tag }];
      // Settings made outside ServerGem (sidecars, service account) carry over.
      const containers = existing.template?.containers ?? [];
      const merged = { ...existing.template, ...template, containers: [{ ...containers[0], ...template.containers?.[0] }, ...containers.slice(1)] };
      const service: RunService = { ...existing, labels, template: merged, traffic };
      [operation] = await this.api.call(() => this.api.services.updateService({ service }));
      reporter.log(`Updating service ${name}: revision ${revision} at 0% (${previous ?? 'no revision'} keeps serving): operation ${operation.name ?? '?'}`);
    }

    let url: string;
    try {
      reporter.step('verifying', `Waiting for revision ${revision} to become ready`);
      const deadline = Date.now() + this.config.CLOUDRUN_READY_TIMEOUT_SECONDS * 1000;
      const operationError = await this.api.settle(operation, deadline, signal);
      if (operationError) reporter.log(`Operation ${operation.name ?? '?'}: ${operationError}`);
      await this.waitReady(`${name}/revisions/${revision}`, deadline, reporter, previous, signal);
      if (this.config.CLOUDRUN_ALLOW_UNAUTHENTICATED) await this.allowPublic(name, reporter);
      const deployed = await this.api.getService(name);
      url = deployed.trafficStatuses?.find((t) => t.tag === tag)?.uri || deployed.uri || '';
      const path = job.settings?.healthCheckPath ?? '/';
      if (this.config.CLOUDRUN_VERIFY_HTTP) await this.checkHttp(url, path, `${name}/revisions/${revision}`, reporter, previous, signal);
      else reporter.log(`HTTP check skipped (CLOUDRUN_VERIFY_HTTP=false)`);
      cancelledIf(signal, '');
    } catch (error) {
      if (!signal?.aborted) throw error;
      throw await this.undo(attempt, reporter);
    }

    // Past this point the deployment goes live: the traffic move is not interrupted half-way.
    const deployed = await this.api.getService(name);
    await this.api.route(deployed, [{ revision, percent: 100 }], reporter);
    reporter.log(`Revision ${revision} now serves 100% of ${deployed.uri ?? ''}`);
    if (job.settings) await this.pruneSecrets(job.serviceName, name, secretRefs, reporter);
    return { url: deployed.uri ?? url, serviceName: job.serviceName, region: this.api.region, image: artifact.image };
  }

  status(service: string): Promise<ServiceState> {
    return this.operations.status(service);
  }

  revisions(service: string): Promise<ServiceRevision[]> {
    return this.operations.revisions(service);
  }

  rollback(service: string, revision?: string): Promise<RollbackResult> {
    return this.operations.rollback(service, revision);
  }

  traffic(service: string, splits: TrafficSplit[]): Promise<TrafficResult> {
    return this.operations.traffic(service, splits);
  }

  logs(service: string, tail: number): Promise<LogEntry[]> {
    return this.operations.logs(service, tail);
  }

  followLogs(service: string, signal: AbortSignal): AsyncIterable<LogEntry> {
    return this.operations.followLogs(service, signal);
  }

  stop(service: string): Promise<ServiceState> {
    return this.operations.stop(service);
  }

  start(service: string): Promise<ServiceState> {
    return this.operations.start(service);
  }

  delete(service: string): Promise<DeleteResult> {
    return this.operations.delete(service);
  }

  /** Puts a service's sealed secrets into Secret Manager; references for a build that mounts them. */
  async syncSecrets(service: string, sealed: Record<string, string>, purpose: SecretPurpose = 'runtime'): Promise<Record<string, SecretRef>> {
    return (await this.secrets()).sync(service, sealed, undefined, purpose);
  }

  /** Cloud Run services live on without ServerGem; nothing to stop here. */
  async stopAll(): Promise<void> {}

  async close(): Promise<void> {
    const secrets = this.secretsLoaded?.then((s) => s.close()).catch(() => undefined);
    await Promise.all([this.api.close(), this.logReader.close(), secrets]);
  }

  private secrets(): Promise<CloudRunSecrets> {
    const key = this.options.installationKey;
    if (!key) {
      throw new DomainError('DEPLOY_FAILED', 'This deployer was started without the installation key, so it cannot open secrets.', 'Set SERVERGEM_SECRET_KEY.');
    }
    this.secretsLoaded ??= CloudRunSecrets.connect(
      this.config.GOOGLE_CLOUD_PROJECT!,
      googleClientOptions(this.config.SECRETMANAGER_API_ENDPOINT, this.config.GOOGLE_CLOUD_PROJECT),
      new SecretBox(key),
      new SecretFingerprint(key),
    );
    return this.secretsLoaded;
  }

  /**
   * After a cancel: the traffic as it was (without this deployment's tag), the service's template
   * as it was, and the half-made revision deleted. A service this deployment created is deleted.
   */
  private async undo(attempt: Attempt, reporter: ProgressReporter): Promise<DomainError> {
    const { revision, previous } = attempt;
    const serving = previous ? servingRevision(previous, v2) : null;
    try {
      if (!previous) {
        const [operation] = await this.api.call(() => this.api.services.deleteService({ name: attempt.name }));
        await this.api.settle(operation, Date.now() + this.config.CLOUDRUN_READY_TIMEOUT_SECONDS * 1000);
        reporter.log(`Deleted service ${attempt.service}, which this deployment had created`);
      } else {
        const current = await this.api.getService(attempt.name);
        const traffic = pinnedTraffic(current, v2).filter((t) => t.revision !== revision);
        await this.api.update({ ...current, template: previous.template, traffic }, `put the traffic of ${attempt.service} back`, reporter);
        const [operation] = await this.api.call(() => this.api.revisions.deleteRevision({ name: `${attempt.name}/revisions/${revision}` }));
        await this.api.settle(operation, Date.now() + this.config.CLOUDRUN_READY_TIMEOUT_SECONDS * 1000);
        reporter.log(`Deleted revision ${revision}; ${keepsServing(serving)}`);
      }
    } catch (error) {
      // The cancel stands; what could not be tidied is said, not hidden.
      reporter.log(`warning: could not remove everything this deployment made: ${errorText(error)}`);
    }
    return new DomainError(
      'CANCELLED',
      `The deployment was cancelled while Cloud Run was making revision ${revision}; ${keepsServing(serving)}.`,
      'Deploy again when ready.',
    );
  }

  /** Secrets and versions no revision of the service uses any more are let go (best effort). */
  private async pruneSecrets(service: string, name: string, current: Record<string, SecretRef>, reporter: ProgressReporter): Promise<void> {
    try {
      const inUse: SecretUse = new Map();
      const use = (secret: string, version: string) => inUse.set(secret, (inUse.get(secret) ?? new Set()).add(version));
      for (const ref of Object.values(current)) use(ref.secret, ref.version);
      for (const revision of await this.api.listRevisions(name)) {
        for (const container of revision.containers ?? []) {
          for (const env of container.env ?? []) {
            const ref = env.valueSource?.secretKeyRef;
            if (ref?.secret && ref.version) use(shortName(ref.secret), ref.version);
          }
        }
      }
      // A service that never had a secret has nothing in Secret Manager to let go of.
      if (inUse.size === 0 && Object.keys(current).length === 0) return;
      await (await this.secrets()).prune(service, inUse, (line) => reporter.log(line));
    } catch (error) {
      reporter.log(`warning: old secret versions of ${service} were not cleaned up: ${errorText(error)}`);
    }
  }

  private async waitReady(name: string, deadline: number, reporter: ProgressReporter, previous: string | null, signal?: AbortSignal): Promise<void> {
    let seen = '';
    let lines: string[];
    let message = 'no Ready condition was reported';
    for (;;) {
      cancelledIf(signal, '');
      const [revision] = await this.api.call(() => this.api.revisions.getRevision({ name }));
      const state = readiness(revision, v2);
      lines = state.lines;
      if (state.ready.message) message = state.ready.message;
      const now = `${state.ready.state} ${state.ready.message}`;
      if (now !== seen) reporter.log(`Revision ${shortName(name)} Ready: ${state.ready.state}${state.ready.message ? ` — ${state.ready.message}` : ''}`);
      seen = now;
      if (state.ready.state === 'CONDITION_SUCCEEDED') return;
      if (state.ready.state === 'CONDITION_FAILED' || Date.now() + this.pollIntervalMs > deadline) break;
      await pause(this.pollIntervalMs, signal);
    }
    for (const line of lines) reporter.log(line);
    throw new DomainError(
      'DEPLOY_FAILED',
      `Cloud Run revision never became ready: ${message} (revision ${shortName(name)}; ${keepsServing(previous)}).`,
      'Check that the app listens on the PORT Cloud Run sets and starts in time; its logs are in Cloud Logging.',
      lines,
    );
  }

  /** GET on the revision's own URL: `/` may answer anything but a 5xx; a health-check path must answer 2xx or 3xx. */
  private async checkHttp(base: string, path: string, revisionName: string, reporter: ProgressReporter, previous: string | null, signal?: AbortSignal) {
    const url = path === '/' ? base : `${base.replace(/\/$/, '')}${path}`;
    let failure: string;
    try {
      const timeout = AbortSignal.timeout(HTTP_CHECK_TIMEOUT_MS);
      const response = await fetch(url, { signal: signal ? AbortSignal.any([timeout, signal]) : timeout, redirect: 'manual' });
      await response.body?.cancel();
      reporter.log(`GET ${url} -> ${response.status}`);
      if (path === '/' ? response.status < 500 : response.status < 400) return;
      failure = `HTTP ${response.status}`;
    } catch (error) {
      cancelledIf(signal, '');
      failure = errorText(error);
    }
    const revision = shortName(revisionName);
    const [current] = await this.api.call(() => this.api.revisions.getRevision({ name: revisionName }));
    const lines = readiness(current, v2).lines;
    for (const line of lines) reporter.log(line);
    throw new DomainError(
      'DEPLOY_FAILED',
      `HTTP check of ${url} failed: ${failure} (revision ${revision}; ${keepsServing(previous)}).`,
      path === '/'
        ? 'The new revision answered with a server error or not at all; fix the app and deploy again.'
        : `The new revision did not answer its health-check path ${path} with a success; fix the app or the path and deploy again.`,
      [`GET ${url} -> ${failure}`, ...lines],
    );
  }

  private async allowPublic(resource: string, reporter: ProgressReporter): Promise<void> {
    const [policy] = await this.api.call(() => this.api.services.getIamPolicy({ resource }));
    const bindings = policy.bindings ?? [];
    if (bindings.some((b) => b.role === INVOKER && b.members?.includes('allUsers'))) return;
    const invoker = bindings.find((b) => b.role === INVOKER);
    const updated = invoker
      ? bindings.map((b) => (b === invoker ? { ...b, members: [...(b.members ?? []), 'allUsers'] } : b))
      : [...bindings, { role: INVOKER, members: ['allUsers'] }];
    await this.api.call(() => this.api.services.setIamPolicy({ resource, policy: { ...policy, bindings: updated } }));
    reporter.log(`Granted ${INVOKER} to allUsers on ${shortName(resource)} (CLOUDRUN_ALLOW_UNAUTHENTICATED=true)`);
  }
}

/** Throws CANCELLED when the signal was aborted (`where`: what it means for the service, if known). */
function cancelledIf(signal: AbortSignal | undefined, where: string): void {
  if (!signal?.aborted) return;
  throw new DomainError('CANCELLED', `The deployment was cancelled${where ? ` ${where}` : ''}.`, 'Deploy again when ready.');
}

/** Waits, or stops waiting as soon as the signal is aborted. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function keepsServing(previous: string | null): string {
  return previous ? `${previous} keeps serving` : 'nothing was serving before';
}
