import { protos, RevisionsClient, ServicesClient } from '@google-cloud/run';
import { DomainError } from '#common';
import type { ProgressReporter } from '#messaging';
import type { DeployerConfig } from '../deployer.config.js';
import { pinnedTraffic, retarget, shortName, type RunRevision, type RunService, type TrafficSplit } from './cloud-run-spec.js';
import { googleClientOptions } from './google-client-options.js';

export const v2 = protos.google.cloud.run.v2;
const NOT_FOUND = 5;

/** What a long-running operation from the client offers; narrower than its type so every LRO fits. */
export interface Operation {
  name?: string | null;
  promise(): Promise<unknown>;
  removeAllListeners(): unknown;
  on(event: 'error', listener: () => void): unknown;
}

/**
 * The Cloud Run Admin API v2 as the driver uses it: one project and region, errors turned into
 * `DomainError`s that say what to check, long-running operations waited for with a deadline.
 */
export class CloudRunApi {
  readonly services: ServicesClient;
  readonly revisions: RevisionsClient;

  constructor(
    readonly config: DeployerConfig,
    readonly project: string,
  ) {
    this.services = new ServicesClient(googleClientOptions(config.CLOUDRUN_API_ENDPOINT, project));
    this.revisions = new RevisionsClient(googleClientOptions(config.CLOUDRUN_API_ENDPOINT, project));
  }

  get region(): string {
    return this.config.GOOGLE_CLOUD_REGION;
  }

  parent(): string {
    return `projects/${this.project}/locations/${this.region}`;
  }

  serviceName(service: string): string {
    return `${this.parent()}/services/${service}`;
  }

  async findService(name: string): Promise<RunService | null> {
    try {
      const [service] = await this.services.getService({ name });
      return service;
    } catch (error) {
      if (grpcCode(error) === NOT_FOUND) return null;
      throw this.failure(error);
    }
  }

  async getService(name: string): Promise<RunService> {
    return (await this.call(() => this.services.getService({ name })))[0];
  }

  /** The service by its short name, or NOT_FOUND saying where ServerGem looked. */
  async existingService(service: string): Promise<RunService> {
    const found = await this.findService(this.serviceName(service));
    if (!found) {
      throw new DomainError('NOT_FOUND', `There is no Cloud Run service called ${service} in ${this.region}.`, 'Check the name and region.');
    }
    return found;
  }

  /** Newest first. */
  async listRevisions(parent: string): Promise<RunRevision[]> {
    const [revisions] = await this.call(() => this.revisions.listRevisions({ parent }, { autoPaginate: true }));
    return [...revisions].sort((a, b) => createdMs(b) - createdMs(a));
  }

  /** Updates the service (`what`: "shift the traffic of …") and waits for the operation; a failed one is an error. */
  async update(service: RunService, what: string, reporter?: ProgressReporter): Promise<void> {
    const [operation] = await this.call(() => this.services.updateService({ service }));
    reporter?.log(`Asked Cloud Run to ${what}: operation ${operation.name ?? '?'}`);
    const error = await this.settle(operation, Date.now() + this.config.CLOUDRUN_READY_TIMEOUT_SECONDS * 1000);
    if (error) throw new DomainError('DEPLOY_FAILED', `Cloud Run could not ${what}: ${error}`, 'The service stays as it was; try again.');
  }

  /** Moves the traffic to the splits; tags people added stay, ServerGem's verification tags go. */
  async route(service: RunService, splits: TrafficSplit[], reporter?: ProgressReporter): Promise<void> {
    const traffic = retarget(pinnedTraffic(service, v2), splits, shortName(service.latestReadyRevision));
    const split = splits.map((s) => `${s.revision} ${s.percent}%`).join(', ');
    await this.update({ ...service, traffic }, `shift the traffic of ${shortName(service.name)} to ${split}`, reporter);
  }

  /**
   * Waits for the operation until the deadline or the signal; returns its error, or null when it
   * finished (or is still going: Cloud Run carries on, and the caller reads the state itself).
   */
  async settle(operation: Operation, deadline: number, signal?: AbortSignal): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const outcome = await Promise.race([
      operation.promise().then(
        () => null,
        (error: unknown) => errorText(error),
      ),
      new Promise<'stopped'>((resolve) => {
        timer = setTimeout(() => resolve('stopped'), Math.max(0, deadline - Date.now()));
        onAbort = () => resolve('stopped');
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (outcome !== 'stopped') return outcome;
    // Stop polling; an in-flight poll's late error must not crash the process.
    operation.removeAllListeners();
    operation.on('error', () => undefined);
    return null;
  }

  async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.failure(error);
    }
  }

  failure(error: unknown): DomainError {
    if (error instanceof DomainError) return error;
    return new DomainError(
      'DEPLOY_FAILED',
      `The Cloud Run Admin API refused the request: ${errorText(error)}`,
      'Check GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_REGION and that the deployer’s credentials may use Cloud Run.',
    );
  }

  async close(): Promise<void> {
    await Promise.all([this.services.close(), this.revisions.close()]);
  }
}

export function createdMs(revision: RunRevision): number {
  return Number(revision.createTime?.seconds ?? 0) * 1000 + (revision.createTime?.nanos ?? 0) / 1e6;
}

export function grpcCode(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number' ? error.code : undefined;
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
