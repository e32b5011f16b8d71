import { pipeline } from 'node:stream/promises';
import type { protos } from '@google-cloud/cloudbuild';
import type { BuildArtifact } from '#contracts';
import { DomainError } from '#common';
import type { BuilderConfig } from '../builder.config.js';
import type { BuildDriver, BuildJob } from './build-driver.js';
import { createCloudBuildClients, type CloudBuildClients } from './cloud-build-clients.js';
import { CloudBuildLog } from './cloud-build-log.js';
import { dockerBuildStep } from './cloud-build-step.js';
import { sourceTarball } from './source-tarball.js';

type Build = protos.google.devtools.cloudbuild.v1.IBuild;
type CloudBuildConfig = Pick<
  BuilderConfig,
  | 'BUILD_TIMEOUT_SECONDS'
  | 'GOOGLE_CLOUD_PROJECT'
  | 'GOOGLE_CLOUD_REGION'
  | 'ARTIFACT_REGISTRY_REPO'
  | 'CLOUDBUILD_BUCKET'
  | 'CLOUDBUILD_API_ENDPOINT'
  | 'STORAGE_API_ENDPOINT'
>;

export interface CloudBuildDriverOptions {
  /** How often the build's status and log are read; tests make it short. */
  pollIntervalMs?: number;
}

const RUNNING = new Set(['STATUS_UNKNOWN', 'PENDING', 'QUEUED', 'WORKING']);
// Google's side failed, not the app: worth one more build.
const RETRYABLE = new Set(['INTERNAL_ERROR', 'EXPIRED']);
// How long a build may wait in Cloud Build's queue on top of its own timeout before we give up.
const QUEUE_GRACE_SECONDS = 600;

/**
 * The `cloudrun` target's build: the app folder as a tarball in Cloud Storage, Cloud Build runs
 * `docker build` on it and pushes the image to Artifact Registry, and the build's real log lines
 * are streamed while it runs. Builds are tagged `servergem-<deploymentId>`, so a restarted builder
 * follows the build already under way instead of submitting a second one.
 */
export class CloudBuildDriver implements BuildDriver {
  readonly name = 'cloudbuild';
  private readonly project: string;
  private readonly pollIntervalMs: number;
  private clientsLoaded: Promise<CloudBuildClients> | undefined;
  private clients!: CloudBuildClients;
  private readonly unreadable = new WeakSet<CloudBuildLog>();

  constructor(
    private readonly config: CloudBuildConfig,
    clients?: CloudBuildClients,
    options: CloudBuildDriverOptions = {},
  ) {
    if (!config.GOOGLE_CLOUD_PROJECT) throw new Error('CloudBuildDriver needs GOOGLE_CLOUD_PROJECT');
    this.project = config.GOOGLE_CLOUD_PROJECT;
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    if (clients) this.clientsLoaded = Promise.resolve(clients);
  }

  async build(job: BuildJob): Promise<BuildArtifact> {
    this.clientsLoaded ??= createCloudBuildClients(this.config);
    this.clients = await this.clientsLoaded;
    const tag = `servergem-${job.deploymentId}`;
    cancelledIf(job.signal, 'before a build was started');
    const earlier = await this.call('look for an earlier build', () => this.buildsTagged(tag));
    // Earlier attempts that Google's side lost count against the one retry.
    let retries = earlier.filter((b) => RETRYABLE.has(statusOf(b))).length;
    let build = earlier.find((b) => RUNNING.has(statusOf(b)) || statusOf(b) === 'SUCCESS');
    if (build?.id) {
      job.reporter.step('building', `Following Cloud Build ${build.id}, started earlier for this deployment`);
      if (statusOf(build) === 'SUCCESS') return this.succeeded(build, job);
    } else {
      await this.upload(job);
      cancelledIf(job.signal, 'before a build was started');
      build = await this.submit(job, tag);
    }
    for (;;) {
      const { finished, logs } = await this.follow(build, job);
      const status = statusOf(finished);
      if (status === 'SUCCESS') return this.succeeded(finished, job);
      if (RETRYABLE.has(status) && retries < 1) {
        retries++;
        job.reporter.step('building', `Cloud Build ended the build with ${status} (a failure on Google's side); starting it once more.`);
        build = await this.submit(job, tag);
        continue;
      }
      throw failure(finished, status, logs, this.config.BUILD_TIMEOUT_SECONDS);
    }
  }

  private async upload(job: BuildJob): Promise<void> {
    const bucket = this.bucket();
    const object = `source/${job.deploymentId}.tgz`;
    job.reporter.step('building', `Uploading the source to gs://${bucket}/${object}`);
    const target = this.clients.storage.bucket(bucket).file(object);
    // One request: a failed upload is simply made again from the release folder.
    await this.call(`upload the source to gs://${bucket}`, async () =>
      pipeline(await sourceTarball(job.appDir), target.createWriteStream({ resumable: false, contentType: 'application/gzip' })),
    );
  }

  private async submit(job: BuildJob, tag: string): Promise<Build> {
    const image = this.imageFor(job);
    const [operation] = await this.call('start the build', () =>
      this.clients.cloudBuild.createBuild({
        parent: `projects/${this.project}/locations/${this.config.GOOGLE_CLOUD_REGION}`,
        projectId: this.project,
        build: {
          source: { storageSource: { bucket: this.bucket(), object: `source/${job.deploymentId}.tgz` } },
          ...dockerBuildStep({ project: this.project, image, buildEnv: job.buildEnv, buildSecrets: job.buildSecrets }),
          images: [image],
          tags: [tag, 'servergem'],
          timeout: { seconds: this.config.BUILD_TIMEOUT_SECONDS },
        },
      }),
    );
    // gax decodes the Operation's metadata with the client's protos but types it loosely.
    const build = (operation.metadata as protos.google.devtools.cloudbuild.v1.IBuildOperationMetadata | null)?.build;
    if (!build?.id) {
      throw new DomainError(
        'BUILD_FAILED',
        'Cloud Build accepted the build but did not say which build it started.',
        'Deploy again; if it repeats, check the build list in the Cloud Console.',
      );
    }
    job.reporter.step('building', `Cloud Build started build ${build.id}${build.logUrl ? ` (${build.logUrl})` : ''}`);
    return build;
  }

  /** Streams the build's log while polling its status, until the build has ended. */
  private async follow(build: Build, job: BuildJob): Promise<{ finished: Build; logs: string[] }> {
    const id = build.id!;
    const name = build.name ?? `projects/${this.project}/locations/${this.config.GOOGLE_CLOUD_REGION}/builds/${id}`;
    const deadline = Date.now() + (this.config.BUILD_TIMEOUT_SECONDS + QUEUE_GRACE_SECONDS) * 1000;
    let log: CloudBuildLog | undefined;
    let reported = '';
    for (;;) {
      if (job.signal?.aborted) throw await this.cancel(id, name, log, job);
      const [current] = await this.call('read the build status', () => this.clients.cloudBuild.getBuild({ projectId: this.project, id, name }));
      const status = statusOf(current);
      if (status !== reported) {
        reported = status;
        if (status === 'QUEUED' || status === 'PENDING') job.reporter.step('building', `Build ${id} is waiting in Cloud Build's queue`);
        if (status === 'WORKING') job.reporter.step('building', `Building the image on Cloud Build`);
      }
      if (current.logsBucket) log ??= new CloudBuildLog(this.clients.storage, current.logsBucket, id, job.reporter.logLine);
      if (!RUNNING.has(status)) {
        await this.readLog(log, 'finish', current, job);
        return { finished: current, logs: log?.tail ?? [] };
      }
      await this.readLog(log, 'read', current, job);
      if (Date.now() > deadline) {
        await this.clients.cloudBuild.cancelBuild({ projectId: this.project, id, name }).catch(() => undefined);
        throw new DomainError(
          'BUILD_FAILED',
          `Cloud Build build ${id} had not finished after ${this.config.BUILD_TIMEOUT_SECONDS + QUEUE_GRACE_SECONDS} s, so ServerGem cancelled it.`,
          'Raise BUILD_TIMEOUT_SECONDS, or check the Cloud Build queue and quotas in the Cloud Console.',
          log?.tail ?? [],
        );
      }
      await pause(this.pollIntervalMs, job.signal);
    }
  }

  /** Cancels the build on Cloud Build (at once, not at the next poll) and says so. */
  private async cancel(id: string, name: string, log: CloudBuildLog | undefined, job: BuildJob): Promise<DomainError> {
    try {
      const [cancelled] = await this.clients.cloudBuild.cancelBuild({ projectId: this.project, id, name });
      job.reporter.step('building', `Cancelled Cloud Build build ${id} (${statusOf(cancelled)})`);
    } catch (error) {
      // Cloud Build may have finished it meanwhile; the deployment is cancelled all the same.
      job.reporter.log(`warning: Cloud Build did not cancel build ${id}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return new DomainError(
      'CANCELLED',
      `The deployment was cancelled while Cloud Build was building (build ${id}).`,
      'Deploy again when ready.',
      log?.tail ?? [],
    );
  }

  /** A log ServerGem may not read (no Viewer role) leaves the build to go on, said once. */
  private async readLog(log: CloudBuildLog | undefined, how: 'read' | 'finish', build: Build, job: BuildJob): Promise<void> {
    if (!log || this.unreadable.has(log)) return;
    try {
      await log[how]();
    } catch (error) {
      this.unreadable.add(log);
      const detail = error instanceof Error ? error.message : String(error);
      job.reporter.step(
        'building',
        `ServerGem cannot read this build's log (${detail}); the build goes on. Give its credentials the Viewer role to see the log here${build.logUrl ? `, or open ${build.logUrl}` : ''}.`,
      );
    }
  }

  private succeeded(build: Build, job: BuildJob): BuildArtifact {
    const tagged = build.images?.[0] ?? this.imageFor(job);
    const digest = build.results?.images?.[0]?.digest;
    // A digest pins exactly the image that was built, whatever later happens to the tag.
    const image = digest ? `${withoutTag(tagged)}@${digest}` : tagged;
    job.reporter.step('pushing', `Pushed ${image}`, 1);
    return { kind: 'image', image };
  }

  private async buildsTagged(tag: string): Promise<Build[]> {
    const [builds] = await this.clients.cloudBuild.listBuilds(
      { parent: `projects/${this.project}/locations/${this.config.GOOGLE_CLOUD_REGION}`, projectId: this.project, filter: `tags="${tag}"`, pageSize: 50 },
      { autoPaginate: false },
    );
    // Newest first, whatever order the page came in.
    return [...builds].sort((a, b) => Number(b.createTime?.seconds ?? 0) - Number(a.createTime?.seconds ?? 0));
  }

  private imageFor(job: BuildJob): string {
    const { GOOGLE_CLOUD_REGION: region, ARTIFACT_REGISTRY_REPO: repo } = this.config;
    return `${region}-docker.pkg.dev/${this.project}/${repo}/${job.serviceName}:${job.commitSha ?? job.deploymentId}`;
  }

  private bucket(): string {
    return this.config.CLOUDBUILD_BUCKET || `${this.project}_cloudbuild`;
  }

  /** Turns an API error into one that says what ServerGem was doing and what to check. */
  private async call<T>(doing: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof DomainError) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      throw new DomainError('BUILD_FAILED', `ServerGem could not ${doing} on Google Cloud: ${detail}`, apiHint(error, this.project, this.bucket()));
    }
  }
}

function cancelledIf(signal: AbortSignal | undefined, when: string): void {
  if (signal?.aborted) throw new DomainError('CANCELLED', `The deployment was cancelled ${when}.`, 'Deploy again when ready.');
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

function failure(build: Build, status: string, logs: string[], timeoutSeconds: number): DomainError {
  const where = build.logUrl ? ` The full log: ${build.logUrl}` : '';
  switch (status) {
    case 'FAILURE':
      return new DomainError(
        'BUILD_FAILED',
        `The image build failed on Cloud Build${build.statusDetail ? `: ${build.statusDetail}` : '.'}`,
        `Read the build log above, fix the error in the repository and deploy again.${where}`,
        logs,
      );
    case 'TIMEOUT':
      return new DomainError(
        'BUILD_FAILED',
        `The Cloud Build build timed out after ${timeoutSeconds} s and was stopped.`,
        `Make the build faster, or raise BUILD_TIMEOUT_SECONDS.${where}`,
        logs,
      );
    case 'CANCELLED':
      return new DomainError(
        'BUILD_FAILED',
        `The Cloud Build build ${build.id} was cancelled before it finished.`,
        `Deploy again to start a new build.${where}`,
        logs,
      );
    case 'EXPIRED':
      return new DomainError(
        'BUILD_FAILED',
        'Cloud Build let the build expire in its queue twice without starting it.',
        'Check the Cloud Build concurrency quota and running builds in the Cloud Console, then deploy again.',
        logs,
      );
    case 'INTERNAL_ERROR':
      return new DomainError(
        'BUILD_FAILED',
        'Cloud Build failed with an internal error twice in a row.',
        `This is on Google Cloud's side: deploy again in a few minutes, and check https://status.cloud.google.com if it persists.${where}`,
        logs,
      );
    default:
      return new DomainError('BUILD_FAILED', `The Cloud Build build ended with status ${status}.`, `Read the build log above and deploy again.${where}`, logs);
  }
}

// `Build.Status` by number, for a client that hands enums over as numbers.
const STATUS_NAMES: Record<number, string> = {
  0: 'STATUS_UNKNOWN',
  10: 'PENDING',
  1: 'QUEUED',
  2: 'WORKING',
  3: 'SUCCESS',
  4: 'FAILURE',
  5: 'INTERNAL_ERROR',
  6: 'TIMEOUT',
  7: 'CANCELLED',
  9: 'EXPIRED',
};

function statusOf(build: Build): string {
  const status = build.status;
  if (typeof status === 'number') return STATUS_NAMES[status] ?? 'STATUS_UNKNOWN';
  return status ?? 'STATUS_UNKNOWN';
}

/** `host/path/name:tag` → `host/path/name` (a registry port's colon is left alone). */
function withoutTag(image: string): string {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(0, colon) : image;
}

function apiHint(error: unknown, project: string, bucket: string): string {
  const code = (error as { code?: unknown }).code;
  if (code === 7 || code === 403) {
    return `Give ServerGem's credentials the Cloud Build Editor and Storage Object Admin roles in project ${project}.`;
  }
  if (code === 5 || code === 404)
    return `Check that project ${project} exists, the Cloud Build API is enabled and the bucket gs://${bucket} exists (or set CLOUDBUILD_BUCKET).`;
  if (code === 16 || code === 401) return 'Set up Application Default Credentials (gcloud auth application-default login, or a service account).';
  return 'Check the Google Cloud project settings and deploy again.';
}
