import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry, ServiceRevision, ServiceState } from '#contracts';
import {
  apiFetch,
  apiJson,
  deployOverSocket,
  FakeCloudBuild,
  FakeCloudLogging,
  FakeCloudRun,
  FakeCloudStorage,
  FakeSecretManager,
  getText,
  isGapFree,
  dropSchema,
  uniqueSchema,
  TEST_DATABASE_URL,
} from '#testing';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';
import { removeInstallation } from './stop-local-apps.js';

const DATABASE_URL = TEST_DATABASE_URL;
const root = resolve(import.meta.dirname, '../..');
const example = join(root, 'examples/node-hello');
const run = promisify(execFile);

describe('cloudrun target end to end: Cloud Build and Cloud Run (the official clients against local fakes)', () => {
  const schema = uniqueSchema();
  let storage: FakeCloudStorage;
  let cloudBuild: FakeCloudBuild;
  let cloudRun: FakeCloudRun;
  let logging: FakeCloudLogging;
  let secretManager: FakeSecretManager;
  let sut: AllInOne;
  let home: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-cloud-'));
    storage = await FakeCloudStorage.start();
    cloudBuild = await FakeCloudBuild.start(storage, { tickMs: 20 });
    cloudRun = await FakeCloudRun.start();
    logging = await FakeCloudLogging.start();
    secretManager = await FakeSecretManager.start();
    sut = await startAllInOne(
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SERVERGEM_HOME: home,
        PORT: '0',
        DATABASE_URL,
        DATABASE_SCHEMA: schema,
        GOOGLE_CLOUD_PROJECT: 'servergem-test',
        GOOGLE_CLOUD_REGION: 'europe-west1',
        CLOUDBUILD_API_ENDPOINT: `http://127.0.0.1:${cloudBuild.port}`,
        STORAGE_API_ENDPOINT: storage.endpoint,
        CLOUDRUN_API_ENDPOINT: `http://127.0.0.1:${cloudRun.port}`,
        LOGGING_API_ENDPOINT: `http://127.0.0.1:${logging.port}`,
        SECRETMANAGER_API_ENDPOINT: `http://127.0.0.1:${secretManager.port}`,
        CLOUDRUN_READY_TIMEOUT_SECONDS: '20',
      },
      () => undefined,
    );
  });

  afterAll(async () => {
    await sut?.stop();
    await cloudBuild?.stop();
    await cloudRun?.stop();
    await logging?.stop();
    await secretManager?.stop();
    await storage?.stop();
    await removeInstallation(home);
    await dropSchema(schema);
  });

  it('uploads, builds with real log lines reaching the socket in order, deploys and verifies a revision', async () => {
    const logLines = Array.from({ length: 25 }, (_, i) => `Step ${i + 1}/25 : build line ${i + 1}`);
    cloudBuild.script({ logLines, terminal: 'SUCCESS', digest: `sha256:${'a'.repeat(64)}` });

    const transcript = await deployOverSocket(sut, { repoUrl: example });

    expect(transcript.error).toBeUndefined();
    expect(transcript.complete).toMatchObject({ service_name: 'node-hello', region: 'europe-west1' });
    expect(transcript.complete!.image).toBe(`europe-west1-docker.pkg.dev/servergem-test/servergem/node-hello@sha256:${'a'.repeat(64)}`);
    expect((await getText(transcript.complete!.url)).status).toBe(200);
    expect(isGapFree(transcript.updates.map((u) => u.seq))).toBe(true);
    const lines = transcript.updates.flatMap((u) => u.logs);
    const positions = logLines.map((line) => lines.indexOf(line));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(cloudBuild.created).toHaveLength(1);
    const stages = transcript.updates.map((u) => u.stage);
    expect(stages).toContain('building');
    expect(stages).toContain('verifying');
  });

  it('ends failed with the build log tail and a hint when Cloud Build reports FAILURE', async () => {
    cloudBuild.script({ logLines: ['Step 1/3 : FROM node:22-slim', 'npm ERR! missing script: build'], terminal: 'FAILURE' });
    const transcript = await deployOverSocket(sut, { repoUrl: example });
    expect(transcript.error).toMatchObject({ code: 'BUILD_FAILED' });
    expect(transcript.error!.hint).not.toBe('');
    expect(transcript.updates.flatMap((u) => u.logs)).toContain('npm ERR! missing script: build');
  });

  it('status, revisions, logs, a 90/10 traffic split and rollback of a Cloud Run service, over REST', async () => {
    const path = (rest: string) => `/api/services/node-hello${rest}`;
    for (let i = 0; i < 2; i++) {
      const transcript = await deployOverSocket(sut, { repoUrl: example });
      expect(transcript.error).toBeUndefined();
    }

    const status = await apiJson<ServiceState>(sut, path('?target=cloudrun'));
    expect(status).toMatchObject({ name: 'node-hello', target: 'cloudrun', ready: { state: 'ready' }, stopped: false });
    expect((await getText(status.url)).body).toBe(status.traffic.find((t) => t.percent === 100)!.revision);

    const { revisions } = await apiJson<{ revisions: ServiceRevision[] }>(sut, path('/revisions?target=cloudrun'));
    expect(revisions.length).toBeGreaterThanOrEqual(2);
    const [newest, previous] = revisions as [ServiceRevision, ServiceRevision];
    expect(newest).toMatchObject({ current: true, ready: true, percent: 100, image: expect.stringContaining('node-hello@sha256:') });
    expect(newest.deploymentId).toMatch(/^[0-9a-f-]{36}$/);

    logging.write({ service: 'node-hello', revision: newest.revision, text: 'Server listening on 8080' });
    const logs = await apiJson<{ lines: string[]; entries: LogEntry[] }>(sut, path('/logs?target=cloudrun&tail=20'));
    expect(logs.entries.map((e) => [e.revision, e.text])).toContainEqual([newest.revision, 'Server listening on 8080']);
    expect(logs.lines.at(-1)).toMatch(new RegExp(`^\\S+ ${newest.revision} Server listening on 8080$`));

    const splits = [
      { revision: previous.revision, percent: 90 },
      { revision: newest.revision, percent: 10 },
    ];
    await apiJson(sut, path('/traffic?target=cloudrun'), { method: 'POST', body: { splits } });
    const shares = (await apiJson<ServiceState>(sut, path('?target=cloudrun'))).traffic.map(({ revision, percent }) => ({ revision, percent }));
    expect(shares).toEqual(splits);
    const bad = await apiFetch(sut, path('/traffic?target=cloudrun'), { method: 'POST', body: { splits: [{ revision: newest.revision, percent: 50 }] } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toBe('Cannot split the traffic of node-hello: the percentages add up to 50, not 100.');

    const rolledBack = await apiJson<{ revision: string }>(sut, path('/rollback?target=cloudrun'), { method: 'POST', body: { revision: previous.revision } });
    expect(rolledBack.revision).toBe(previous.revision);
    expect((await getText(status.url)).body).toBe(previous.revision);

    // A service answers for the target it was deployed to, with or without `?target=`.
    const untargeted = await apiJson<{ revisions: ServiceRevision[] }>(sut, path('/revisions'));
    expect(untargeted.revisions.map((r) => r.revision)).toEqual(revisions.map((r) => r.revision));
    // And the orchestrator knows which revision serves after the rollback.
    const owned = await apiJson<{ service: { revision: string; previousRevision: string } }>(sut, path(''));
    expect(owned.service).toMatchObject({ revision: previous.revision, previousRevision: newest.revision });
  });

  it('a secret set on a Cloud Run service becomes a Secret Manager version the new revision references, never a plain value', async () => {
    const secret = `sk-live-${'x'.repeat(8)}${Date.now()}`;
    const finished = async (id: string) => {
      for (let i = 0; i < 200; i++) {
        const { events } = await apiJson<{ events: { outcome: { kind: string } | null }[] }>(sut, `/api/deployments/${id}`);
        const last = events.at(-1)?.outcome;
        if (last) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`deployment ${id} did not end`);
    };
    const put = (value: string) =>
      apiJson<{ deploymentId: string; settings: { secrets: { name: string; masked: string }[] } }>(sut, '/api/services/node-hello/env', {
        method: 'PUT',
        body: { secrets: { API_TOKEN: value }, env: { GREETING: 'from settings' } },
      });
    const first = await put(secret);
    expect(first.settings.secrets).toEqual([{ name: 'API_TOKEN', masked: `••••${secret.slice(-4)}` }]);
    expect(await finished(first.deploymentId)).toMatchObject({ kind: 'complete' });

    const stored = [...secretManager.secrets.values()].find((s) => s.versions.some((v) => v.data.toString() === secret));
    expect(stored).toBeDefined();
    const revision = `node-hello-${first.deploymentId.slice(0, 8)}`;
    const made = [...cloudRun.revisions.values()].find((r) => r.shortName === revision);
    type RunEnv = { name: string; value?: string; valueSource?: { secretKeyRef: { secret: string; version: string } } };
    const env = (made!.template as { containers: { env: RunEnv[] }[] }).containers[0]!.env;
    expect(env).toContainEqual(expect.objectContaining({ name: 'GREETING', value: 'from settings' }));
    const ref = env.find((e) => e.name === 'API_TOKEN')!;
    expect(ref.value ?? '').toBe('');
    expect(stored!.name).toContain(ref.valueSource!.secretKeyRef.secret.split('/').at(-1)!);
    expect(JSON.stringify(cloudRun.requests)).not.toContain(secret);
    const owned = await apiJson<{ service: { revision: string; settingsVersion: number } }>(sut, '/api/services/node-hello');
    expect(owned.service).toMatchObject({ revision, settingsVersion: 1 });

    // A new value is a new version; the revision made with it references that one.
    const second = await put(`${secret}-rotated`);
    expect(await finished(second.deploymentId)).toMatchObject({ kind: 'complete' });
    expect(stored!.versions.filter((v) => v.state === 'ENABLED').map((v) => v.data.toString())).toContain(`${secret}-rotated`);
    expect(stored!.versions.length).toBe(2);
  });

  it('a build-time secret is mounted into the Cloud Build build from Secret Manager, never an ARG, an ENV or a value in the build', async () => {
    const token = `npm_${Date.now()}_${'y'.repeat(16)}`;
    const digest = `sha256:${'b'.repeat(64)}`;
    cloudBuild.script({ logLines: ['Step 1/1 : FROM node'], terminal: 'SUCCESS', digest });
    const first = await deployOverSocket(sut, { repoUrl: join(root, 'examples/node-express') });
    expect(first.error).toBeUndefined();
    const put = await apiJson<{ settings: { buildSecrets: { name: string; masked: string }[] } }>(sut, '/api/services/node-express/env', {
      method: 'PUT',
      // With a runtime secret too, so the new revision's clean-up of unused secrets runs.
      body: {
        buildSecrets: { NPM_TOKEN: token },
        buildEnv: { NEXT_PUBLIC_API: 'https://api.example.com' },
        secrets: { RUNTIME_TOKEN: `rt_${'z'.repeat(20)}` },
        rollout: false,
      },
    });
    expect(put.settings.buildSecrets).toEqual([{ name: 'NPM_TOKEN', masked: `••••${token.slice(-4)}` }]);

    cloudBuild.script({ logLines: ['Step 1/1 : FROM node'], terminal: 'SUCCESS', digest });
    const before = cloudBuild.created.length;
    const { deploymentId } = await apiJson<{ deploymentId: string }>(sut, '/api/services/node-express/redeploy', { method: 'POST', body: {} });
    let events: { logs: string[]; outcome: { kind: string } | null }[] = [];
    for (let i = 0; i < 300 && !events.at(-1)?.outcome; i++) {
      await new Promise((r) => setTimeout(r, 100));
      events = (await apiJson<{ events: typeof events }>(sut, `/api/deployments/${deploymentId}`)).events;
    }
    expect(events.at(-1)!.outcome).toMatchObject({ kind: 'complete' });

    const build = cloudBuild.created[before]!.request.build as {
      steps: { args: string[]; env: string[]; secretEnv: string[] }[];
      availableSecrets: { secretManager: { versionName: string; env: string }[] };
    };
    expect(build.availableSecrets.secretManager).toEqual([
      { versionName: expect.stringMatching(/^projects\/servergem-test\/secrets\/sgb-node-express-NPM_TOKEN\/versions\/\d+$/), env: 'NPM_TOKEN' },
    ]);
    expect(build.steps[0]!.secretEnv).toEqual(['NPM_TOKEN']);
    expect(build.steps[0]!.args).toEqual(expect.arrayContaining(['id=NPM_TOKEN,env=NPM_TOKEN', 'id=NEXT_PUBLIC_API,env=NEXT_PUBLIC_API']));
    expect(JSON.stringify(cloudBuild.created)).not.toContain(token);
    const stored = secretManager.secrets.get('projects/servergem-test/secrets/sgb-node-express-NPM_TOKEN');
    expect(stored?.versions.map((v) => v.data.toString())).toEqual([token]);
    // The Dockerfile the build ran mounts both on every RUN line; no ARG or ENV names either.
    const lines = events.flatMap((e) => e.logs);
    const runs = lines.filter((l) => l.startsWith('RUN '));
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) {
      expect(run).toContain(' --mount=type=secret,id=NPM_TOKEN,env=NPM_TOKEN ');
      expect(run).toContain(' --mount=type=secret,id=NEXT_PUBLIC_API,env=NEXT_PUBLIC_API ');
    }
    expect(lines.filter((l) => /^(ARG|ENV)\b.*(NPM_TOKEN|NEXT_PUBLIC_API)/.test(l))).toEqual([]);
    expect(JSON.stringify(events)).not.toContain(token);
    // No revision references it, and the revision's clean-up left it for the next build; deleting the service takes it.
    expect(await apiJson(sut, '/api/services/node-express', { method: 'DELETE', body: {} })).toMatchObject({ name: 'node-express', deleted: true });
    expect(secretManager.secrets.has('projects/servergem-test/secrets/sgb-node-express-NPM_TOKEN')).toBe(false);
  });

  it('the CLI reads and splits a Cloud Run service: services, revisions, traffic, rollback, logs', async () => {
    const cli = async (...args: string[]) => {
      const { stdout } = await run(process.execPath, [join(root, 'bin/servergem.js'), ...args, '--server', sut.url], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_TOKEN: sut.token },
      });
      return stdout;
    };
    const services = JSON.parse(await cli('services', '--json')) as { name: string; target: string; state: string }[];
    expect(services).toEqual([expect.objectContaining({ name: 'node-hello', target: 'cloudrun', state: 'live' })]);
    const revisions = JSON.parse(await cli('revisions', 'node-hello', '--json')) as ServiceRevision[];
    const [newest, previous] = revisions as [ServiceRevision, ServiceRevision];
    const split = await cli('traffic', 'node-hello', `${newest.revision}=50`, `${previous.revision}=50`);
    expect(split).toContain(`${newest.revision}  50%`);
    expect((await apiJson<ServiceState>(sut, '/api/services/node-hello')).traffic.map((t) => t.percent)).toEqual([50, 50]);
    expect(await cli('rollback', 'node-hello', '--to', newest.revision)).toContain(`node-hello now serves revision ${newest.revision}`);
    logging.write({ service: 'node-hello', revision: newest.revision, text: 'served by the CLI test' });
    expect(await cli('logs', 'node-hello', '--tail', '5')).toContain(`${newest.revision} served by the CLI test`);
  });

  it('shows no usage for a Cloud Run service (it needs Cloud Monitoring) but the limits from its settings: REST and servergem status', async () => {
    type Listed = { name: string; memoryBytes: number | null; cpuSeconds: number | null; limits: { cpu: string | null; memory: string | null } | null };
    const listed = async () => (await apiJson<{ services: Listed[] }>(sut, '/api/services')).services.find((s) => s.name === 'node-hello');
    const status = async () =>
      (
        await run(process.execPath, [join(root, 'bin/servergem.js'), 'status', '--server', sut.url], {
          env: { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_TOKEN: sut.token },
        })
      ).stdout;
    expect(await listed()).toMatchObject({ memoryBytes: null, cpuSeconds: null, limits: { cpu: null, memory: null } });
    expect(await status()).toMatch(/^node-hello .* limit default +limit default /m);

    await apiJson(sut, '/api/services/node-hello/settings', { method: 'PATCH', body: { cloudRun: { cpu: '2', memory: '1Gi' }, rollout: false } });
    expect(await listed()).toMatchObject({ memoryBytes: null, cpuSeconds: null, limits: { cpu: '2', memory: '1Gi' } });
    expect(await apiJson(sut, '/api/services/node-hello')).toMatchObject({ service: { memoryBytes: null, limits: { cpu: '2', memory: '1Gi' } } });
    const table = await status();
    expect(table).toMatch(/^node-hello .* limit 1Gi +limit 2 /m);
    expect(table).toContain('Cloud Run usage is not measured (it needs Cloud Monitoring)');
  });

  it('stops a Cloud Run service (manual scaling to zero), starts it again and deletes it, over REST', async () => {
    const path = (rest: string) => `/api/services/node-hello${rest}?target=cloudrun`;
    const state = () => apiJson<ServiceState>(sut, path(''));

    expect(await apiJson(sut, path('/stop'), { method: 'POST', body: {} })).toEqual({ name: 'node-hello', status: 'stopped' });
    expect((await state()).stopped).toBe(true);
    expect(await apiJson(sut, path('/start'), { method: 'POST', body: {} })).toEqual({ name: 'node-hello', status: 'running' });
    expect((await state()).stopped).toBe(false);

    expect(await apiJson(sut, path(''), { method: 'DELETE', body: {} })).toEqual({ name: 'node-hello', deleted: true, secrets: [expect.any(String)] });
    expect((await apiFetch(sut, path(''))).status).toBe(404);
  });
});
