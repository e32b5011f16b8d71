import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { serviceSettingsSchema, type AnalysisReport, type LogEntry } from '#contracts';
import { SecretBox } from '#common';
import type { ProgressReporter } from '#messaging';
import { FakeCloudLogging, FakeCloudRun, FakeSecretManager, getText } from '#testing';
import { deployerConfigSchema } from '../deployer.config.js';
import { CloudRunDeployDriver } from './cloud-run.driver.js';
import { CloudRunOperations } from './cloud-run-operations.js';

const PROJECT = 'demo-project';
const REGION = 'europe-west1';
const KEY = 'installation-key-for-tests';
const report = { port: 8080, portFromEnv: true, env: [] } as unknown as AnalysisReport;
const quiet = { step: () => undefined, log: () => undefined } as unknown as ProgressReporter;

describe(CloudRunOperations.name, () => {
  let run: FakeCloudRun;
  let secretManager: FakeSecretManager;
  let logging: FakeCloudLogging;
  let sut: CloudRunDeployDriver;
  const box = new SecretBox(KEY);

  beforeAll(async () => {
    [run, secretManager, logging] = await Promise.all([FakeCloudRun.start(), FakeSecretManager.start(), FakeCloudLogging.start()]);
  });
  afterEach(async () => {
    await sut?.close();
  });
  afterAll(async () => {
    await Promise.all([run.stop(), secretManager.stop(), logging.stop()]);
  });

  function newSut(): CloudRunDeployDriver {
    const config = deployerConfigSchema.parse({
      GOOGLE_CLOUD_PROJECT: PROJECT,
      GOOGLE_CLOUD_REGION: REGION,
      CLOUDRUN_API_ENDPOINT: `http://127.0.0.1:${run.port}`,
      SECRETMANAGER_API_ENDPOINT: `http://127.0.0.1:${secretManager.port}`,
      LOGGING_API_ENDPOINT: `http://127.0.0.1:${logging.port}`,
      CLOUDRUN_READY_TIMEOUT_SECONDS: '5',
    });
    sut = new CloudRunDeployDriver(config, { pollIntervalMs: 20, installationKey: KEY });
    return sut;
  }

  async function deployed(service: string, count: number, version = 1): Promise<string[]> {
    const revisions: string[] = [];
    for (let i = 0; i < count; i++) {
      const deploymentId = randomUUID();
      await sut.deploy({
        deploymentId,
        serviceName: service,
        artifact: { kind: 'image', image: `europe-docker.pkg.dev/${PROJECT}/servergem/${service}:v${i + 1}` },
        report,
        reporter: quiet,
        settings: serviceSettingsSchema.parse({ secrets: { TOKEN: box.seal(`token-${service}-${i}`) } }),
        settingsVersion: version + i,
      });
      revisions.push(`${service}-${deploymentId.slice(0, 8)}`);
    }
    return revisions;
  }

  const full = (service: string) => `projects/${PROJECT}/locations/${REGION}/services/${service}`;

  it('reports the status: URL, ready, the revision serving and its share, latest ready and created', async () => {
    newSut();
    const [, v2] = await deployed('shop', 2);

    expect(await sut.status('shop')).toEqual({
      name: 'shop',
      target: 'cloudrun',
      url: run.serviceUri(full('shop')),
      ready: { state: 'ready', message: '' },
      traffic: [{ revision: v2, percent: 100, tag: null, url: null }],
      latestReadyRevision: v2,
      latestCreatedRevision: v2,
      stopped: false,
    });
    await expect(sut.status('nope')).rejects.toMatchObject({ code: 'NOT_FOUND', message: `There is no Cloud Run service called nope in ${REGION}.` });
  });

  it('lists revisions newest first with readiness, share, image, deployment and settings version', async () => {
    newSut();
    const [v1, v2] = await deployed('blog', 2, 4);

    const revisions = await sut.revisions('blog');

    expect(
      revisions.map(({ revision, current, ready, percent, image, settingsVersion }) => ({ revision, current, ready, percent, image, settingsVersion })),
    ).toEqual([
      { revision: v2, current: true, ready: true, percent: 100, image: `europe-docker.pkg.dev/${PROJECT}/servergem/blog:v2`, settingsVersion: 5 },
      { revision: v1, current: false, ready: true, percent: 0, image: `europe-docker.pkg.dev/${PROJECT}/servergem/blog:v1`, settingsVersion: 4 },
    ]);
    expect(revisions[0]!.deploymentId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(revisions[0]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(revisions[1]!.createdAt));
  });

  it('splits traffic 90/10, refuses a revision that is not ready, then rolls back to the previous one', async () => {
    newSut();
    const [v1, v2] = await deployed('canary', 2);

    await sut.traffic('canary', [
      { revision: v1!, percent: 90 },
      { revision: v2!, percent: 10 },
    ]);
    expect((await sut.status('canary')).traffic.map(({ revision, percent }) => ({ revision, percent }))).toEqual([
      { revision: v1, percent: 90 },
      { revision: v2, percent: 10 },
    ]);
    expect((await sut.revisions('canary')).map((r) => r.percent)).toEqual([10, 90]);

    run.scriptNextRevision({ ready: 'failed', message: 'Container failed to start.' });
    const broken = await sut
      .deploy({ deploymentId: randomUUID(), serviceName: 'canary', artifact: { kind: 'image', image: 'x/y:z' }, report, reporter: quiet })
      .catch((e: unknown) => e);
    expect(broken).toMatchObject({ code: 'DEPLOY_FAILED' });
    const failed = (await sut.revisions('canary')).find((r) => !r.ready)!.revision;
    await expect(
      sut.traffic('canary', [
        { revision: v1!, percent: 50 },
        { revision: failed, percent: 50 },
      ]),
    ).rejects.toThrow(`Revision ${failed} is not ready, so it cannot take traffic.`);
    await expect(sut.traffic('canary', [{ revision: 'canary-nothere', percent: 100 }])).rejects.toMatchObject({ code: 'NOT_FOUND' });

    expect(await sut.rollback('canary', v2)).toMatchObject({ revision: v2 });
    expect(run.servingRevision(full('canary'))).toBe(v2);
  });

  it('reads the last log lines and follows new ones through Cloud Logging', async () => {
    newSut();
    const [v1] = await deployed('chatty', 1);
    logging.write({ service: 'chatty', revision: v1!, location: REGION, text: 'listening on 8080' });

    expect((await sut.logs('chatty', 10)).map((l) => [l.revision, l.text])).toEqual([[v1, 'listening on 8080']]);
    await expect(sut.logs('ghost', 10)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const controller = new AbortController();
    const seen: LogEntry[] = [];
    const following = (async () => {
      for await (const line of sut.followLogs('chatty', controller.signal)) seen.push(line);
    })();
    await vi.waitFor(() => expect(logging.openTails).toBe(1), { timeout: 5000 });
    logging.write({ service: 'chatty', revision: v1!, location: REGION, text: 'GET /' });
    await vi.waitFor(() => expect(seen.map((l) => l.text)).toEqual(['GET /']), { timeout: 5000 });
    controller.abort();
    await following;
  });

  it('stops with manual scaling to zero instances and without tagged URLs, and starts again', async () => {
    newSut();
    const [v1] = await deployed('sleepy', 1);

    const stopped = await sut.stop('sleepy');

    expect(stopped.stopped).toBe(true);
    expect(stopped.traffic).toEqual([{ revision: v1, percent: 100, tag: null, url: null }]);
    const update = [...run.requests].reverse().find((r) => r.method === 'UpdateService')!.request as { service: { scaling: Record<string, unknown> } };
    expect(update.service.scaling).toMatchObject({ scalingMode: 'MANUAL', manualInstanceCount: 0 });
    expect((await sut.revisions('sleepy')).map((r) => r.revision)).toEqual([v1]);

    const started = await sut.start('sleepy');
    expect(started.stopped).toBe(false);
    expect(await getText(started.url)).toEqual({ status: 200, body: v1 });
  });

  it('deletes the service and the secrets ServerGem made for it', async () => {
    newSut();
    await deployed('doomed', 1);
    expect(secretManager.secrets.has(`projects/${PROJECT}/secrets/sg-doomed-TOKEN`)).toBe(true);

    expect(await sut.delete('doomed')).toEqual({ name: 'doomed', secrets: ['sg-doomed-TOKEN'] });

    expect(run.services.has(full('doomed'))).toBe(false);
    expect(secretManager.secrets.has(`projects/${PROJECT}/secrets/sg-doomed-TOKEN`)).toBe(false);
    await expect(sut.delete('doomed')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
