import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisReport } from '#contracts';
import { DomainError } from '#common';
import type { ProgressReporter } from '#messaging';
import { FakeCloudRun, getText } from '#testing';
import { deployerConfigSchema } from '../deployer.config.js';
import { CloudRunDeployDriver } from './cloud-run.driver.js';

const PROJECT = 'demo-project';
const REGION = 'europe-west1';
const report = {
  port: 3000,
  portFromEnv: false,
  env: [
    { name: 'DATABASE_URL', kind: 'secret', source: '.env.example' },
    { name: 'STRIPE_KEY', kind: 'secret', source: 'src/pay.ts' },
    { name: 'LOG_LEVEL', kind: 'runtime', source: 'src/log.ts' },
  ],
} as unknown as AnalysisReport;

interface Captured {
  steps: string[];
  logs: string[];
}

describe(CloudRunDeployDriver.name, () => {
  let fake: FakeCloudRun;
  const drivers: CloudRunDeployDriver[] = [];

  beforeAll(async () => {
    fake = await FakeCloudRun.start();
  });
  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.close()));
  });
  afterAll(async () => {
    await fake.stop();
  });

  function driver(env: Record<string, string> = {}): CloudRunDeployDriver {
    const config = deployerConfigSchema.parse({
      GOOGLE_CLOUD_PROJECT: PROJECT,
      GOOGLE_CLOUD_REGION: REGION,
      CLOUDRUN_API_ENDPOINT: `http://127.0.0.1:${fake.port}`,
      CLOUDRUN_READY_TIMEOUT_SECONDS: '2',
      CLOUDRUN_SECRETS: 'DATABASE_URL=db-url:3',
      ...env,
    });
    const sut = new CloudRunDeployDriver(config, { pollIntervalMs: 50 });
    drivers.push(sut);
    return sut;
  }

  async function deploy(sut: CloudRunDeployDriver, service: string, deploymentId = randomUUID()) {
    const captured: Captured = { steps: [], logs: [] };
    const reporter = {
      step: (stage: string, message: string) => captured.steps.push(`${stage}: ${message}`),
      log: (line: string) => captured.logs.push(line),
    } as unknown as ProgressReporter;
    const image = `europe-docker.pkg.dev/${PROJECT}/servergem/${service}:${deploymentId}`;
    const result = sut.deploy({ deploymentId, serviceName: service, artifact: { kind: 'image', image }, report, reporter });
    return { result, captured, deploymentId, revision: `${service}-${deploymentId.slice(0, 8)}` };
  }

  const full = (service: string) => `projects/${PROJECT}/locations/${REGION}/services/${service}`;
  const lastRequest = (method: string) => [...fake.requests].reverse().find((r) => r.method === method)?.request;

  it('creates a service whose first revision takes all the traffic, with labels, port, resources and mapped secrets', async () => {
    const sut = driver();
    const first = await deploy(sut, 'shop');
    const result = await first.result;

    expect(result).toMatchObject({ serviceName: 'shop', region: REGION, image: expect.stringContaining('shop:') });
    expect(await getText(result.url)).toEqual({ status: 200, body: first.revision });
    expect(fake.traffic(full('shop'))).toEqual([
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: first.revision, percent: 100, tag: `sg-${first.deploymentId.slice(0, 8)}` },
    ]);
    const created = fake.requests.find((r) => r.method === 'CreateService' && r.request.serviceId === 'shop')?.request;
    const service = created?.service as { labels: Record<string, string>; template: Record<string, unknown> };
    expect(service.labels).toEqual({ 'servergem-deployment': first.deploymentId, 'managed-by': 'servergem' });
    expect(service.template).toMatchObject({
      revision: first.revision,
      maxInstanceRequestConcurrency: 80,
      scaling: { minInstanceCount: 0, maxInstanceCount: 10 },
      containers: [
        {
          ports: [{ containerPort: 3000 }],
          resources: { limits: { cpu: '1', memory: '512Mi' } },
          env: [{ name: 'DATABASE_URL', valueSource: { secretKeyRef: { secret: 'db-url', version: '3' } } }],
        },
      ],
    });
    expect(first.captured.logs).toContain(
      'warning: Secret STRIPE_KEY (src/pay.ts) is not set on Cloud Run: map it in CLOUDRUN_SECRETS (NAME=secret[:version]).',
    );
    expect(first.captured.logs.some((l) => /operation projects\/.+\/operations\//.test(l))).toBe(true);
    expect(first.captured.steps.map((s) => s.split(':')[0])).toEqual(['deploying', 'verifying']);
    expect(fake.requests.some((r) => r.method === 'GetOperation')).toBe(true);
    expect(fake.policies.get(full('shop'))).toBeUndefined();
  });

  it('updates with a new revision that takes no traffic until it is ready and answers, then all of it', async () => {
    const sut = driver();
    const v1 = await deploy(sut, 'blog');
    await v1.result;
    const v2 = await deploy(sut, 'blog');
    const result = await v2.result;

    const update = fake.requests.find((r) => r.method === 'UpdateService' && JSON.stringify(r.request).includes(`"revision":"${v2.revision}"`));
    const firstTraffic = (update?.request as { service: { traffic: { revision: string; percent: number; tag: string }[] } }).service.traffic;
    expect(firstTraffic.map(({ revision, percent, tag }) => ({ revision, percent, tag }))).toEqual([
      { revision: v1.revision, percent: 100, tag: `sg-${v1.deploymentId.slice(0, 8)}` },
      { revision: v2.revision, percent: 0, tag: `sg-${v2.deploymentId.slice(0, 8)}` },
    ]);
    expect(v2.captured.logs.find((l) => l.startsWith('GET '))).toMatch(/\/t\/.+\/sg-[0-9a-f]{8} -> 200$/);
    expect(fake.servingRevision(full('blog'))).toBe(v2.revision);
    expect(await getText(result.url)).toEqual({ status: 200, body: v2.revision });
    expect(fake.traffic(full('blog')).filter((t) => t.percent > 0)).toEqual([expect.objectContaining({ revision: v2.revision, percent: 100 })]);
  });

  it('leaves the previous revision serving when the new one never becomes ready, and says why', async () => {
    const sut = driver();
    const v1 = await deploy(sut, 'api');
    await v1.result;
    fake.scriptNextRevision({ ready: 'failed', message: 'The user-provided container failed to start and listen on the port defined by PORT=3000.' });
    const v2 = await deploy(sut, 'api');

    const error = await v2.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toContain(
      'revision never became ready: The user-provided container failed to start and listen on the port defined by PORT=3000.',
    );
    expect((error as DomainError).message).toContain(`${v1.revision} keeps serving`);
    expect((error as DomainError).logs.some((l) => l.includes('Ready: CONDITION_FAILED'))).toBe(true);
    expect(fake.servingRevision(full('api'))).toBe(v1.revision);
    expect(await getText(fake.serviceUri(full('api')))).toEqual({ status: 200, body: v1.revision });
  });

  it('gives up on a revision that stays pending after the ready timeout', async () => {
    const sut = driver({ CLOUDRUN_READY_TIMEOUT_SECONDS: '1' });
    const v1 = await deploy(sut, 'slow');
    await v1.result;
    fake.scriptNextRevision({ ready: 'pending', message: 'Waiting for the container to start.' });
    const v2 = await deploy(sut, 'slow');

    await expect(v2.result).rejects.toThrow('revision never became ready: Waiting for the container to start.');
    expect(fake.servingRevision(full('slow'))).toBe(v1.revision);
  });

  it('leaves the previous revision serving when the HTTP check of the tagged URL fails', async () => {
    const sut = driver();
    const v1 = await deploy(sut, 'web');
    await v1.result;
    fake.scriptNextRevision({ httpStatus: 500 });
    const v2 = await deploy(sut, 'web');

    const error = (await v2.result.catch((e: unknown) => e)) as DomainError;
    expect(error.message).toMatch(new RegExp(`^HTTP check of http://127\\.0\\.0\\.1:\\d+/t/.+/sg-${v2.deploymentId.slice(0, 8)} failed: HTTP 500`));
    expect(error.message).toContain(`${v1.revision} keeps serving`);
    expect(fake.servingRevision(full('web'))).toBe(v1.revision);
  });

  it('skips the HTTP check when told to', async () => {
    const sut = driver({ CLOUDRUN_VERIFY_HTTP: 'false' });
    await (
      await deploy(sut, 'private')
    ).result;
    fake.scriptNextRevision({ httpStatus: 500 });
    const v2 = await deploy(sut, 'private');
    await v2.result;
    expect(v2.captured.logs).toContain('HTTP check skipped (CLOUDRUN_VERIFY_HTTP=false)');
    expect(fake.servingRevision(full('private'))).toBe(v2.revision);
  });

  it('rolls back to the revision that served before, or to a named one', async () => {
    const sut = driver();
    const v1 = await deploy(sut, 'cart');
    await v1.result;
    const v2 = await deploy(sut, 'cart');
    await v2.result;
    const v3 = await deploy(sut, 'cart');
    await v3.result;

    expect(await sut.rollback('cart')).toMatchObject({ name: 'cart', revision: v2.revision });
    expect(fake.servingRevision(full('cart'))).toBe(v2.revision);
    expect(await sut.rollback('cart', v3.revision)).toMatchObject({ revision: v3.revision });
    expect(fake.servingRevision(full('cart'))).toBe(v3.revision);
    await expect(sut.rollback('cart', 'cart-deadbeef')).rejects.toThrow('Service cart has no revision called cart-deadbeef.');
  });

  it('splits the traffic 90/10 and rejects a split that does not add up to 100', async () => {
    const sut = driver();
    const v1 = await deploy(sut, 'canary');
    await v1.result;
    const v2 = await deploy(sut, 'canary');
    await v2.result;

    await sut.traffic('canary', [
      { revision: v1.revision, percent: 90 },
      { revision: v2.revision, percent: 10 },
    ]);
    expect(fake.traffic(full('canary')).map(({ revision, percent }) => ({ revision, percent }))).toEqual([
      { revision: v1.revision, percent: 90 },
      { revision: v2.revision, percent: 10 },
    ]);

    const updates = fake.requests.filter((r) => r.method === 'UpdateService').length;
    await expect(
      sut.traffic('canary', [
        { revision: v1.revision, percent: 90 },
        { revision: v2.revision, percent: 20 },
      ]),
    ).rejects.toThrow('Cannot split the traffic of canary: the percentages add up to 110, not 100.');
    expect(fake.requests.filter((r) => r.method === 'UpdateService').length).toBe(updates);
  });

  it('makes the service public only when CLOUDRUN_ALLOW_UNAUTHENTICATED is true', async () => {
    await (
      await deploy(driver(), 'internal')
    ).result;
    expect(fake.requests.some((r) => r.method === 'SetIamPolicy' && r.request.resource === full('internal'))).toBe(false);

    const open = await deploy(driver({ CLOUDRUN_ALLOW_UNAUTHENTICATED: 'true' }), 'public');
    await open.result;
    expect(fake.policies.get(full('public'))?.bindings).toEqual([{ role: 'roles/run.invoker', members: ['allUsers'] }]);
    expect(lastRequest('SetIamPolicy')).toMatchObject({ resource: full('public') });
  });
});
