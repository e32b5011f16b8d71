import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { serviceSettingsSchema, type AnalysisReport, type ServiceSettings } from '#contracts';
import { DomainError, SecretBox } from '#common';
import type { ProgressReporter } from '#messaging';
import { FakeCloudRun, FakeSecretManager, getText } from '#testing';
import { deployerConfigSchema } from '../deployer.config.js';
import { CloudRunDeployDriver } from './cloud-run.driver.js';

const PROJECT = 'demo-project';
const REGION = 'europe-west1';
const KEY = 'installation-key-for-tests';
const report = { port: 3000, portFromEnv: false, env: [] } as unknown as AnalysisReport;

interface Container {
  image: string;
  args?: string[];
  ports: { containerPort: number }[];
  resources: { limits: Record<string, string> };
  env: { name: string; value?: string; valueSource?: { secretKeyRef: { secret: string; version: string } } }[];
  startupProbe?: { httpGet?: { path: string } } | null;
  livenessProbe?: { httpGet?: { path: string } } | null;
}
interface Template {
  revision: string;
  labels: Record<string, string>;
  scaling: { minInstanceCount: number; maxInstanceCount: number };
  maxInstanceRequestConcurrency: number;
  containers: Container[];
}

describe(`${CloudRunDeployDriver.name} with service settings`, () => {
  let run: FakeCloudRun;
  let secretManager: FakeSecretManager;
  const drivers: CloudRunDeployDriver[] = [];
  const box = new SecretBox(KEY);

  beforeAll(async () => {
    [run, secretManager] = await Promise.all([FakeCloudRun.start(), FakeSecretManager.start()]);
  });
  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.close()));
  });
  afterAll(async () => {
    await Promise.all([run.stop(), secretManager.stop()]);
  });

  function driver(env: Record<string, string> = {}): CloudRunDeployDriver {
    const config = deployerConfigSchema.parse({
      GOOGLE_CLOUD_PROJECT: PROJECT,
      GOOGLE_CLOUD_REGION: REGION,
      CLOUDRUN_API_ENDPOINT: `http://127.0.0.1:${run.port}`,
      SECRETMANAGER_API_ENDPOINT: `http://127.0.0.1:${secretManager.port}`,
      CLOUDRUN_READY_TIMEOUT_SECONDS: '5',
      ...env,
    });
    const sut = new CloudRunDeployDriver(config, { pollIntervalMs: 20, installationKey: KEY });
    drivers.push(sut);
    return sut;
  }

  function deploy(
    sut: CloudRunDeployDriver,
    service: string,
    settings: Partial<ServiceSettings>,
    options: { image?: string; version?: number; signal?: AbortSignal } = {},
  ) {
    const deploymentId = randomUUID();
    const logs: string[] = [];
    const reporter = { step: (_s: string, m: string) => logs.push(m), log: (l: string) => logs.push(l) } as unknown as ProgressReporter;
    const image = options.image ?? `europe-docker.pkg.dev/${PROJECT}/servergem/${service}@sha256:${'1'.repeat(64)}`;
    const result = sut.deploy({
      deploymentId,
      serviceName: service,
      artifact: { kind: 'image', image },
      report,
      reporter,
      settings: serviceSettingsSchema.parse(settings),
      settingsVersion: options.version ?? 1,
      signal: options.signal,
    });
    return { result, logs, deploymentId, revision: `${service}-${deploymentId.slice(0, 8)}` };
  }

  const full = (service: string) => `projects/${PROJECT}/locations/${REGION}/services/${service}`;
  const templateOf = (service: string, revision: string) => run.revisions.get(`${full(service)}/revisions/${revision}`)!.template as unknown as Template;

  it('makes the revision from the settings: env, secrets as references, resources, port, start command and health probes', async () => {
    const sut = driver();
    const v1 = deploy(
      sut,
      'shop',
      {
        env: { LOG_LEVEL: 'debug', NODE_ENV: 'production' },
        secrets: { DATABASE_URL: box.seal('postgres://shop:pw@db/shop') },
        startCommand: 'node dist/server.js --port $PORT',
        port: 8081,
        healthCheckPath: '/healthz',
        cloudRun: { cpu: '2', memory: '1Gi', minInstances: 1, maxInstances: 4, concurrency: 20 },
      },
      { version: 7 },
    );
    await v1.result;

    const template = templateOf('shop', v1.revision);
    expect(template.labels).toMatchObject({ 'servergem-deployment': v1.deploymentId, 'servergem-settings-version': '7', 'managed-by': 'servergem' });
    expect(template.scaling).toMatchObject({ minInstanceCount: 1, maxInstanceCount: 4 });
    expect(template.maxInstanceRequestConcurrency).toBe(20);
    const [container] = template.containers;
    expect(container!.ports).toEqual([{ containerPort: 8081, name: '' }]);
    expect(container!.resources.limits).toEqual({ cpu: '2', memory: '1Gi' });
    expect(container!.args).toEqual(['sh', '-c', 'exec node dist/server.js --port $PORT']);
    expect(container!.startupProbe?.httpGet?.path).toBe('/healthz');
    expect(container!.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container!.env).toEqual([
      expect.objectContaining({
        name: 'DATABASE_URL',
        valueSource: expect.objectContaining({ secretKeyRef: { secret: 'sg-shop-DATABASE_URL', version: '1' } }),
      }),
      expect.objectContaining({ name: 'LOG_LEVEL', value: 'debug' }),
      expect.objectContaining({ name: 'NODE_ENV', value: 'production' }),
    ]);
    // The value itself is in Secret Manager and nowhere in what Cloud Run was sent.
    expect(secretManager.value(`projects/${PROJECT}/secrets/sg-shop-DATABASE_URL`)).toBe('postgres://shop:pw@db/shop');
    expect(JSON.stringify(run.requests)).not.toContain('shop:pw');
    expect(v1.logs.join('\n')).not.toContain('shop:pw');
    expect(v1.logs.find((l) => l.startsWith('GET '))).toMatch(/\/sg-[0-9a-f]{8}\/healthz -> 200$/);
  });

  it('falls back to the deployer defaults for resources the settings leave out', async () => {
    const sut = driver({ CLOUDRUN_CPU: '1', CLOUDRUN_MEMORY: '512Mi', CLOUDRUN_MAX_INSTANCES: '3' });
    const v1 = deploy(sut, 'plain', {});
    await v1.result;

    const template = templateOf('plain', v1.revision);
    expect(template.containers[0]!.resources.limits).toEqual({ cpu: '1', memory: '512Mi' });
    expect(template.scaling).toMatchObject({ minInstanceCount: 0, maxInstanceCount: 3 });
    expect(template.containers[0]!.ports).toEqual([{ containerPort: 3000, name: '' }]);
    expect(template.containers[0]!.args ?? []).toEqual([]);
    expect(template.containers[0]!.startupProbe ?? null).toBeNull();
  });

  it('a settings-only change is a new revision of the same image; a removed secret and override leave the revision', async () => {
    const sut = driver();
    const image = `europe-docker.pkg.dev/${PROJECT}/servergem/blog@sha256:${'2'.repeat(64)}`;
    const v1 = deploy(sut, 'blog', { env: { A: '1' }, secrets: { TOKEN: box.seal('token-value-1234') }, startCommand: 'npm start' }, { image });
    await v1.result;
    const v2 = deploy(sut, 'blog', { env: { A: '2' } }, { image, version: 2 });
    await v2.result;

    const template = templateOf('blog', v2.revision);
    expect(template.containers[0]!.image).toBe(image);
    expect(template.containers[0]!.env).toEqual([expect.objectContaining({ name: 'A', value: '2' })]);
    expect(template.containers[0]!.args ?? []).toEqual([]);
    expect(run.servingRevision(full('blog'))).toBe(v2.revision);
    // The secret stays while the first revision (a rollback target) still uses it.
    expect(secretManager.secrets.has(`projects/${PROJECT}/secrets/sg-blog-TOKEN`)).toBe(true);
  });

  it('adds a Secret Manager version only when a secret value changed, and pins each revision to its own', async () => {
    const sut = driver();
    const v1 = deploy(sut, 'api', { secrets: { KEY: box.seal('value-one-abcdef') } });
    await v1.result;
    const v2 = deploy(sut, 'api', { secrets: { KEY: box.seal('value-one-abcdef') } });
    await v2.result;
    const v3 = deploy(sut, 'api', { secrets: { KEY: box.seal('value-two-abcdef') } });
    await v3.result;

    const refOf = (revision: string) => templateOf('api', revision).containers[0]!.env[0]!.valueSource!.secretKeyRef;
    expect([refOf(v1.revision), refOf(v2.revision), refOf(v3.revision)].map((r) => r.version)).toEqual(['1', '1', '2']);
    expect(secretManager.calls('AddSecretVersion', `projects/${PROJECT}/secrets/sg-api-KEY`)).toBe(2);
  });

  it('refuses a health-check path that does not answer with a success, and the previous revision keeps serving', async () => {
    const sut = driver();
    const v1 = deploy(sut, 'health', {});
    await v1.result;
    run.scriptNextRevision({ httpStatus: 404 });
    const v2 = deploy(sut, 'health', { healthCheckPath: '/ready' });

    const error = (await v2.result.catch((e: unknown) => e)) as DomainError;
    expect(error.message).toMatch(/HTTP check of .*\/ready failed: HTTP 404/);
    expect(run.servingRevision(full('health'))).toBe(v1.revision);
  });

  it('when cancelled while the revision is pending: deletes it, drops its tag, the previous one keeps serving, CANCELLED', async () => {
    // Ten minutes to become ready: were the cancel not to cut the wait short, this test would time out.
    const sut = driver({ CLOUDRUN_READY_TIMEOUT_SECONDS: '600' });
    const v1 = deploy(sut, 'cart', {});
    await v1.result;
    run.scriptNextRevision({ ready: 'pending', message: 'Waiting for the container to start.' });
    const controller = new AbortController();
    const v2 = deploy(sut, 'cart', {}, { signal: controller.signal });
    await vi.waitFor(() => expect(v2.logs.some((l) => l.startsWith('Waiting for revision'))).toBe(true), { timeout: 5000 });

    controller.abort();
    const error = (await v2.result.catch((e: unknown) => e)) as DomainError;

    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('CANCELLED');
    expect(error.message).toContain(`${v1.revision} keeps serving`);
    expect(run.requests.some((r) => r.method === 'DeleteRevision' && r.request.name === `${full('cart')}/revisions/${v2.revision}`)).toBe(true);
    expect(run.revisions.has(`${full('cart')}/revisions/${v2.revision}`)).toBe(false);
    expect(run.traffic(full('cart')).map((t) => t.revision)).toEqual([v1.revision]);
    expect(run.servingRevision(full('cart'))).toBe(v1.revision);
    expect(await getText(run.serviceUri(full('cart')))).toEqual({ status: 200, body: v1.revision });
  });

  it('when cancelled before anything reached Cloud Run: no request at all', async () => {
    const sut = driver();
    const controller = new AbortController();
    controller.abort();
    const before = run.requests.length;

    const error = (await deploy(sut, 'never', {}, { signal: controller.signal }).result.catch((e: unknown) => e)) as DomainError;

    expect(error.code).toBe('CANCELLED');
    expect(run.requests.length).toBe(before);
  });

  it('when the first deployment of a service is cancelled, the service it created goes', async () => {
    const sut = driver({ CLOUDRUN_READY_TIMEOUT_SECONDS: '600' });
    run.scriptNextRevision({ ready: 'pending' });
    const controller = new AbortController();
    const first = deploy(sut, 'fresh', {}, { signal: controller.signal });
    await vi.waitFor(() => expect(first.logs.some((l) => l.startsWith('Waiting for revision'))).toBe(true), { timeout: 5000 });

    controller.abort();

    await expect(first.result).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(run.services.has(full('fresh'))).toBe(false);
  });
});
