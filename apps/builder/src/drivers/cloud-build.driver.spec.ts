import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AnalysisReport } from '#contracts';
import { DomainError } from '#common';
import type { ProgressReporter } from '#messaging';
import { FakeCloudBuild, FakeCloudStorage, listTarGz, type FakeTerminalStatus } from '#testing';
import { builderConfigSchema, type BuilderConfig } from '../builder.config.js';
import type { BuildJob } from './build-driver.js';
import { createCloudBuildClients, type CloudBuildClients } from './cloud-build-clients.js';
import { CloudBuildDriver } from './cloud-build.driver.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const IMAGE = 'us-central1-docker.pkg.dev/demo-project/servergem/hello:0123456789abcdef';

class RecordingReporter {
  readonly logs: string[] = [];
  readonly steps: string[] = [];
  step(_stage: string, message: string): void {
    this.steps.push(message);
  }
  log(line: string): void {
    this.logs.push(line);
  }
  readonly logLine = (line: string): void => this.log(line);
  async flush(): Promise<void> {}
}

describe(CloudBuildDriver.name, () => {
  let storage: FakeCloudStorage;
  let cloudBuild: FakeCloudBuild;
  let config: BuilderConfig;
  const clients: CloudBuildClients[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    storage = await FakeCloudStorage.start();
    cloudBuild = await FakeCloudBuild.start(storage, { tickMs: 10 });
    config = builderConfigSchema.parse({
      ALLOW_LOCAL_SOURCES: 'true',
      BUILD_TIMEOUT_SECONDS: '600',
      GOOGLE_CLOUD_PROJECT: 'demo-project',
      CLOUDBUILD_API_ENDPOINT: `http://127.0.0.1:${cloudBuild.port}`,
      STORAGE_API_ENDPOINT: storage.endpoint,
    });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.cloudBuild.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await cloudBuild.stop();
    await storage.stop();
  });

  /** A new driver with its own clients, as a freshly started builder would have. */
  async function newDriver(pollIntervalMs = 10): Promise<CloudBuildDriver> {
    const own = await createCloudBuildClients(config);
    clients.push(own);
    return new CloudBuildDriver(config, own, { pollIntervalMs });
  }

  function newJob(files: Record<string, string> = { Dockerfile: 'FROM node:22-slim\n' }, deploymentId = crypto.randomUUID()) {
    const appDir = mkdtempSync(join(tmpdir(), 'servergem-cloudbuild-'));
    dirs.push(appDir);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(appDir, path)), { recursive: true });
      writeFileSync(join(appDir, path), text);
    }
    const reporter = new RecordingReporter();
    const job: BuildJob = {
      deploymentId,
      serviceName: 'hello',
      commitSha: '0123456789abcdef',
      report: {} as AnalysisReport,
      target: 'cloudrun',
      sourceDir: appDir,
      appDir,
      plan: { dockerfile: files.Dockerfile ?? '', dockerignore: '', own: false },
      reporter: reporter as unknown as ProgressReporter,
    };
    return { job, reporter };
  }

  async function failureOf(promise: Promise<unknown>): Promise<DomainError> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }

  it('uploads the app folder without what .dockerignore and .gcloudignore exclude, then submits one docker build', async () => {
    const { job } = newJob({
      Dockerfile: 'FROM node:22-slim\nCOPY . .\n',
      '.dockerignore': 'node_modules\n.env\n*.log\n',
      '.gcloudignore': '#!include:.gitignore\nsecrets/\n',
      '.gitignore': 'dist/\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.git/config': '[core]\n',
      '.env': 'SECRET=1\n',
      'node_modules/left-pad/index.js': 'module.exports = 1;\n',
      'debug.log': 'noise\n',
      'secrets/key.pem': 'key\n',
      'dist/out.js': 'built\n',
      'package.json': '{"name":"hello"}\n',
      'src/index.js': 'console.log("hi");\n',
    });
    const created = cloudBuild.created.length;

    await (await newDriver()).build(job);

    const tarball = storage.read('demo-project_cloudbuild', `source/${job.deploymentId}.tgz`);
    expect(tarball).toBeDefined();
    const entries = listTarGz(tarball!);
    expect(entries.map((e) => e.path).sort()).toEqual(['.dockerignore', '.gcloudignore', '.gitignore', 'Dockerfile', 'package.json', 'src/', 'src/index.js']);
    expect(entries.find((e) => e.path === 'src/index.js')?.content.toString()).toBe('console.log("hi");\n');
    expect(cloudBuild.created).toHaveLength(created + 1);
    const { request } = cloudBuild.created.at(-1)!;
    expect(request.parent).toBe('projects/demo-project/locations/us-central1');
    expect(request.build).toMatchObject({
      source: { storageSource: { bucket: 'demo-project_cloudbuild', object: `source/${job.deploymentId}.tgz` } },
      steps: [{ name: 'gcr.io/cloud-builders/docker', args: ['build', '-t', IMAGE, '.'] }],
      images: [IMAGE],
      tags: [`servergem-${job.deploymentId}`, 'servergem'],
      timeout: { seconds: '600' },
    });
  });

  it('streams the log lines to the reporter in order while the build runs, and returns the image by digest', async () => {
    const lines = ['starting build "x"', 'Step 1/2 : FROM node:22-slim', 'Step 2/2 : COPY . .', 'Successfully built 1234', 'PUSH', 'DONE'];
    let release!: () => void;
    cloudBuild.script({ logLines: lines, digest: DIGEST, holdUntil: new Promise<void>((resolve) => (release = resolve)) });
    const { job, reporter } = newJob();

    const result = (await newDriver()).build(job);
    // Every line arrives while the build is still WORKING, before it is allowed to finish.
    await vi.waitFor(() => expect(reporter.logs).toEqual(lines), { timeout: 5000 });
    expect(cloudBuild.created.at(-1)!.build.status).toBe('WORKING');
    release();

    await expect(result).resolves.toEqual({ kind: 'image', image: `us-central1-docker.pkg.dev/demo-project/servergem/hello@${DIGEST}` });
    expect(reporter.logs).toEqual(lines);
  });

  it('reports FAILURE as BUILD_FAILED with the log tail and a hint', async () => {
    cloudBuild.script({ logLines: ['Step 1/3 : RUN npm ci', 'npm ERR! missing script: build', 'ERROR'], terminal: 'FAILURE' });
    const { job } = newJob();

    const error = await failureOf((await newDriver()).build(job));

    expect(error.code).toBe('BUILD_FAILED');
    expect(error.message).toMatch(/failed on Cloud Build: Build step 0/);
    expect(error.hint).toMatch(/fix the error in the repository/);
    expect(error.logs).toEqual(['Step 1/3 : RUN npm ci', 'npm ERR! missing script: build', 'ERROR']);
  });

  it('reports TIMEOUT as a timed-out build with a hint to raise BUILD_TIMEOUT_SECONDS', async () => {
    cloudBuild.script({ logLines: ['Step 1/1 : RUN sleep 9999'], terminal: 'TIMEOUT' });
    const { job } = newJob();

    const error = await failureOf((await newDriver()).build(job));

    expect(error.code).toBe('BUILD_FAILED');
    expect(error.message).toMatch(/timed out after 600 s/);
    expect(error.hint).toMatch(/BUILD_TIMEOUT_SECONDS/);
    expect(error.logs).toEqual(['Step 1/1 : RUN sleep 9999']);
  });

  it('reports CANCELLED as a cancelled build, without retrying', async () => {
    cloudBuild.script({ logLines: ['Step 1/1 : RUN make'], terminal: 'CANCELLED' });
    const { job } = newJob();
    const before = cloudBuild.created.length;

    const error = await failureOf((await newDriver()).build(job));

    expect(error.code).toBe('BUILD_FAILED');
    expect(error.message).toMatch(/was cancelled/);
    expect(error.hint).toMatch(/Deploy again/);
    expect(error.logs).toEqual(['Step 1/1 : RUN make']);
    expect(cloudBuild.created.length - before).toBe(1);
  });

  it.each<FakeTerminalStatus>(['INTERNAL_ERROR', 'EXPIRED'])('retries a build that ended %s once, with a new build', async (status) => {
    cloudBuild.script({ terminal: status }, { logLines: ['DONE'], digest: DIGEST });
    const { job, reporter } = newJob();
    const before = cloudBuild.created.length;

    const artifact = await (await newDriver()).build(job);

    expect(artifact).toEqual({ kind: 'image', image: `us-central1-docker.pkg.dev/demo-project/servergem/hello@${DIGEST}` });
    expect(cloudBuild.created.length - before).toBe(2);
    expect(reporter.steps.some((step) => step.includes(status))).toBe(true);
  });

  it.each<FakeTerminalStatus>(['INTERNAL_ERROR', 'EXPIRED'])('gives up with BUILD_FAILED when the retry ends %s too', async (status) => {
    // Were a third build submitted, it would succeed (the fake's default) and this test would fail.
    cloudBuild.script({ terminal: status }, { terminal: status });
    const { job } = newJob();
    const before = cloudBuild.created.length;

    const error = await failureOf((await newDriver()).build(job));

    expect(error.code).toBe('BUILD_FAILED');
    expect(error.hint).not.toBe('');
    expect(cloudBuild.created.length - before).toBe(2);
  });

  it('follows the build already running for a deployment after a restart instead of submitting another', async () => {
    const lines = ['Step 1/2 : FROM node:22-slim', 'Step 2/2 : RUN npm ci', 'DONE'];
    let release!: () => void;
    cloudBuild.script({ logLines: lines, digest: DIGEST, holdUntil: new Promise<void>((resolve) => (release = resolve)) });
    const deploymentId = crypto.randomUUID();
    const first = newJob(undefined, deploymentId);
    const before = cloudBuild.created.length;
    const firstResult = (await newDriver()).build(first.job);
    await vi.waitFor(() => expect(first.reporter.logs).toEqual(lines), { timeout: 5000 });

    // The builder restarts: a new driver, new clients, the same deployment.
    const second = newJob(undefined, deploymentId);
    const secondResult = (await newDriver()).build(second.job);
    await vi.waitFor(() => expect(second.reporter.logs).toEqual(lines), { timeout: 5000 });
    release();

    const expected = { kind: 'image', image: `us-central1-docker.pkg.dev/demo-project/servergem/hello@${DIGEST}` };
    await expect(firstResult).resolves.toEqual(expected);
    await expect(secondResult).resolves.toEqual(expected);
    expect(second.reporter.steps[0]).toMatch(/^Following Cloud Build .*started earlier/);

    // And once it has succeeded, building again returns its image without a new build.
    const third = newJob(undefined, deploymentId);
    await expect((await newDriver()).build(third.job)).resolves.toEqual(expected);
    expect(cloudBuild.created.length - before).toBe(1);
  });

  it('gives the build its build-time variables and secrets as BuildKit secrets, the secrets through Secret Manager', async () => {
    const { job } = newJob();
    job.buildEnv = { NEXT_PUBLIC_API: 'https://api.example.com', NODE_OPTIONS: '--max-old-space-size=2048' };
    job.buildSecrets = { NPM_TOKEN: { secret: 'sg-hello-NPM_TOKEN', version: '3' } };

    await (await newDriver()).build(job);

    const { request } = cloudBuild.created.at(-1)!;
    expect(request.build).toMatchObject({
      steps: [
        {
          name: 'gcr.io/cloud-builders/docker',
          args: [
            'build',
            '--secret',
            'id=NEXT_PUBLIC_API,env=NEXT_PUBLIC_API',
            '--secret',
            'id=NODE_OPTIONS,env=NODE_OPTIONS',
            '--secret',
            'id=NPM_TOKEN,env=NPM_TOKEN',
            '-t',
            IMAGE,
            '.',
          ],
          env: ['DOCKER_BUILDKIT=1', 'NEXT_PUBLIC_API=https://api.example.com', 'NODE_OPTIONS=--max-old-space-size=2048'],
          secretEnv: ['NPM_TOKEN'],
        },
      ],
      availableSecrets: { secretManager: [{ versionName: 'projects/demo-project/secrets/sg-hello-NPM_TOKEN/versions/3', env: 'NPM_TOKEN' }] },
    });
    // Nothing in the build's config is a build-arg, and no secret value travels (the builder has none).
    expect(JSON.stringify(request.build)).not.toContain('--build-arg');
  });

  it('cancels a long build on Cloud Build as soon as the deployment is cancelled, and ends CANCELLED', async () => {
    // A build that would run until told otherwise, writing a line at a time.
    const logLines = Array.from({ length: 2000 }, (_, i) => `Step ${i + 1} : RUN slow-thing`);
    cloudBuild.script({ logLines, holdUntil: new Promise(() => undefined) });
    const { job, reporter } = newJob();
    const controller = new AbortController();
    job.signal = controller.signal;
    // Polling once a minute: were the cancel left for the next poll, this test would time out.
    const driver = await newDriver(60_000);
    const result = driver.build(job);
    await vi.waitFor(() => expect(reporter.steps.some((s) => s.startsWith('Cloud Build started build'))).toBe(true), { timeout: 5000 });
    const build = cloudBuild.created.at(-1)!.build;
    await vi.waitFor(() => expect(build.status).toBe('WORKING'), { timeout: 5000 });

    controller.abort();
    const error = await failureOf(result);

    expect(error.code).toBe('CANCELLED');
    expect(error.message).toBe(`The deployment was cancelled while Cloud Build was building (build ${build.id}).`);
    expect(cloudBuild.cancelRequests).toContain(build.id);
    expect(build.status).toBe('CANCELLED');
    expect(reporter.steps.at(-1)).toBe(`Cancelled Cloud Build build ${build.id} (CANCELLED)`);
  });

  it('starts nothing when the deployment was cancelled before the build', async () => {
    const { job } = newJob();
    const controller = new AbortController();
    controller.abort();
    job.signal = controller.signal;
    const before = cloudBuild.created.length;

    const error = await failureOf((await newDriver()).build(job));

    expect(error.code).toBe('CANCELLED');
    expect(cloudBuild.created.length).toBe(before);
    expect(storage.read('demo-project_cloudbuild', `source/${job.deploymentId}.tgz`)).toBeUndefined();
  });
});
