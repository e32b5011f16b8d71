import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentError, DeploymentEvent, DeploymentSummary, ResponseOf, ServerMessage, ServiceSummary, cancelDeploymentSubject } from '#contracts';
import {
  apiFetch,
  apiJson,
  connect,
  deployOverSocket,
  dropSchema,
  FakeCloudBuild,
  FakeCloudRun,
  FakeCloudStorage,
  getText,
  installationEnv,
  startDistributed,
  type Distributed,
  type ServerUnderTest,
  uniqueSchema,
  TEST_DATABASE_URL,
  runCli,
} from '#testing';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';
import { removeInstallation } from './stop-local-apps.js';

const root = resolve(import.meta.dirname, '../..');
const fixture = join(root, 'test/fixtures/slow-build');

type CancelReply = ResponseOf<typeof cancelDeploymentSubject>;

/** What the fixture's build says about itself once it runs: its pid, its helper's and its process group. */
interface BuildProcesses {
  pid: number;
  helper: number;
  group: number;
}

/** A deployment started over the socket, as the UI does, followed until its build runs. */
interface RunningBuild {
  deploymentId: string;
  processes: BuildProcesses;
  /** Settles with the deployment's `deployment_error`, if it ends with one. */
  ended: Promise<DeploymentError['data'] & { at: number }>;
  /** Says something in the same conversation and resolves with the reply. */
  say(message: string): Promise<ServerMessage['data']>;
  close(): void;
}

/** The live (not zombie) processes of a process group, read from /proc. */
function groupMembers(group: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // After the command name in parentheses: state, parent, process group.
      const [state, , pgrp] = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
      if (Number(pgrp) === group && state !== 'Z') members.push(Number(entry));
    } catch {
      // Gone while being read.
    }
  }
  return members;
}

const groupAlive = (group: number) => groupMembers(group).length > 0;

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/** Deploys the slow fixture and resolves once its build is running (its first line has come). */
function startSlowBuild(server: ServerUnderTest, source: string): Promise<RunningBuild> {
  const socket = connect(server);
  let deploymentId: string | undefined;
  let resolveEnded: (error: DeploymentError['data'] & { at: number }) => void = () => undefined;
  const ended = new Promise<DeploymentError['data'] & { at: number }>((r) => (resolveEnded = r));
  socket.on('deployment_error', (error) => resolveEnded({ ...error.data, at: performance.now() }));
  return new Promise<RunningBuild>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error('The slow build did not start within 60 s')), 60_000);
    socket.on('message', (reply) => {
      const id = reply.data.metadata.deploymentId;
      if (typeof id === 'string') deploymentId = id;
    });
    socket.on('deployment_update', (update) => {
      for (const line of update.data.logs) {
        const match = /slow build: pid (\d+), helper pid (\d+), process group (\d+)/.exec(line);
        if (!match || !deploymentId) continue;
        clearTimeout(timer);
        resolvePromise({
          deploymentId,
          processes: { pid: Number(match[1]), helper: Number(match[2]), group: Number(match[3]) },
          ended,
          say: (message) =>
            new Promise((answer) => {
              socket.once('message', (reply) => answer(reply.data));
              socket.emit('message', { type: 'message', message, clientMessageId: randomUUID() });
            }),
          close: () => socket.close(),
        });
      }
    });
    socket.on('deployment_complete', () => reject(new Error('The slow build completed instead of running for a minute')));
    socket.emit('message', { type: 'message', message: `deploy ${source}`, context: { action: 'deploy', repoUrl: source }, clientMessageId: randomUUID() });
  });
}

describe('cancelling a running deployment on the local target', () => {
  const schema = uniqueSchema('e2e_cancel');
  // Two owners: the one deploying, and another who must not be able to cancel it.
  const tokenA = randomBytes(24).toString('hex');
  const tokenB = randomBytes(24).toString('hex');
  const ownerA = `token:${createHash('sha256').update(tokenA).digest('hex').slice(0, 24)}`;
  const service = `slow-build-${randomBytes(3).toString('hex')}`;
  let home: string;
  let work: string;
  let source: string;
  let sut: AllInOne;
  let url: string;
  let firstRevision: string;
  const asB = () => ({ url: sut.url, token: tokenB });

  const servergem = (args: string[]) => runCli(root, [...args, '--server', sut.url], { env: { SERVERGEM_TOKEN: tokenA }, timeoutMs: 60_000 });

  /** The deployment's row and its events, as the owner reads them. */
  const deployment = (id: string) => apiJson<{ deployment: DeploymentSummary; events: DeploymentEvent[] }>(sut, `/api/deployments/${id}`);

  /** After a cancel: the deployment ended cancelled by owner A, nothing of its build runs, the first revision serves. */
  const expectCancelled = async (build: RunningBuild, requestedAt: number, how: string) => {
    const error = await build.ended;
    console.log(`cancel over ${how}: request → deployment_error ${Math.round(error.at - requestedAt)} ms`);
    expect(error).toMatchObject({ deploymentId: build.deploymentId, code: 'CANCELLED', stage: 'building' });
    expect(error.message).toContain(`Cancelled by ${ownerA}`);
    const { deployment: row, events } = await deployment(build.deploymentId);
    expect(row).toMatchObject({ status: 'cancelled', stage: 'cancelled', cancelledBy: ownerA, error: { code: 'CANCELLED' } });
    const last = events.findLast((e) => e.outcome !== null)!;
    expect(last).toMatchObject({ stage: 'cancelled', outcome: { kind: 'error', code: 'CANCELLED', stage: 'building' } });
    expect(events.filter((e) => e.outcome !== null)).toHaveLength(1);
    // The whole process group goes: npm, the build script and the helper it started.
    await until('the build process group to be gone', () => (groupAlive(build.processes.group) ? undefined : true), 10_000);
    console.log(`cancel over ${how}: request → no process of the build left ${Math.round(performance.now() - requestedAt)} ms`);
    expect(groupMembers(build.processes.group)).toEqual([]);
    // The builder says what it stopped; its line comes after the end, stored under the final stage.
    const stopped = await until('the builder to report what it stopped', async () => {
      const { events: later } = await deployment(build.deploymentId);
      return later.find((e) => e.logs.includes('Stopped `npm run build` and every process it started'));
    });
    expect(stopped.stage).toBe('cancelled');
    // The previous revision never stopped serving, at the same URL.
    expect(await getText(url)).toEqual({ status: 200, body: 'slow-build one\n' });
    const services = (await apiJson<{ services: ServiceSummary[] }>(sut, '/api/services')).services;
    expect(services.find((s) => s.name === service)).toMatchObject({ status: 'running', revision: firstRevision });
    build.close();
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-cancel-'));
    work = mkdtempSync(join(tmpdir(), 'servergem-cancel-src-'));
    source = join(work, service);
    cpSync(fixture, source, { recursive: true });
    sut = await startAllInOne(
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SERVERGEM_HOME: home,
        PORT: '0',
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        AUTH_TOKEN: `${tokenA},${tokenB}`,
      },
      () => undefined,
    );
    sut = { ...sut, token: tokenA };
    // The revision a cancelled deployment must leave serving: built at once.
    writeFileSync(join(source, 'version.txt'), 'one\n');
    writeFileSync(join(source, 'quick-build'), '');
    const first = await deployOverSocket(sut, { repoUrl: source });
    expect(first.error).toBeUndefined();
    url = first.complete!.url;
    firstRevision = first.deploymentId!;
    // From here on each build runs for a minute.
    rmSync(join(source, 'quick-build'));
    writeFileSync(join(source, 'version.txt'), 'two\n');
  });

  afterAll(async () => {
    await sut?.stop();
    await removeInstallation(home);
    rmSync(work, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it('POST /api/deployments/:id/cancel stops the build mid-way: cancelled, by whom, no process left, the previous revision serving', async () => {
    const build = await startSlowBuild(sut, source);
    // npm, the build script and its helper.
    expect(groupMembers(build.processes.group)).toEqual(expect.arrayContaining([build.processes.group, build.processes.pid, build.processes.helper]));

    // Another owner cannot cancel it, nor see that it exists.
    const stranger = await apiFetch(asB(), `/api/deployments/${build.deploymentId}/cancel`, { method: 'POST', body: {} });
    expect(stranger.status).toBe(404);
    expect(await stranger.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await apiFetch(asB(), `/api/services/${service}/cancel`, { method: 'POST', body: {} })).status).toBe(404);
    expect(groupAlive(build.processes.group)).toBe(true);

    const requestedAt = performance.now();
    const reply = await apiJson<CancelReply>(sut, `/api/deployments/${build.deploymentId}/cancel`, { method: 'POST', body: {} });
    console.log(`cancel over REST: request → reply ${Math.round(performance.now() - requestedAt)} ms`);
    expect(reply).toMatchObject({ deploymentId: build.deploymentId, cancelled: true, status: 'cancelled', cancelledBy: ownerA });
    await expectCancelled(build, requestedAt, 'REST');

    // Cancelling it again is a clear no-op.
    const again = await apiJson<CancelReply>(sut, `/api/deployments/${build.deploymentId}/cancel`, { method: 'POST', body: {} });
    expect(again).toMatchObject({ cancelled: false, status: 'cancelled', cancelledBy: ownerA });
    expect(again.message).toBe(`Deployment ${build.deploymentId} was already cancelled by ${ownerA}; there is nothing to cancel.`);
  });

  it('servergem cancel <service> stops the running build the same way, and on a finished deployment says so and exits 0', async () => {
    const build = await startSlowBuild(sut, source);
    const requestedAt = performance.now();
    const result = await servergem(['cancel', service, '--json']);
    console.log(`cancel over the CLI: request → exit ${Math.round(performance.now() - requestedAt)} ms (with Node's start-up)`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ deploymentId: build.deploymentId, cancelled: true, cancelledBy: ownerA });
    await expectCancelled(build, requestedAt, 'the CLI');

    const finished = await servergem(['cancel', firstRevision]);
    expect(finished.code).toBe(0);
    expect(finished.stdout.trim()).toBe(`Deployment ${firstRevision} already finished (live); there is nothing to cancel.`);
    const none = await servergem(['cancel', service]);
    expect(none.code).toBe(0);
    expect(none.stdout.trim()).toBe(
      `No deployment of ${service} is running: its latest, ${build.deploymentId}, was already cancelled by ${ownerA}; there is nothing to cancel.`,
    );
    const unknown = await servergem(['cancel', 'no-such-service']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND: There is no service called no-such-service.');
  });

  it('"cancel my deployment" in the chat that started it stops it the same way', async () => {
    const build = await startSlowBuild(sut, source);
    const requestedAt = performance.now();
    const reply = await build.say('cancel my deployment');
    expect(reply.metadata.intent).toMatchObject({ kind: 'cancel', deploymentId: build.deploymentId });
    expect(reply.content).toBe(
      `Cancelled deployment \`${build.deploymentId.slice(0, 8)}\`. Cancelled by ${ownerA} while building; ${service} keeps serving its previous revision.`,
    );
    await expectCancelled(build, requestedAt, 'the chat');
  });
});

describe('cancelling a running deployment on the cloudrun target (Cloud Build and Cloud Run through their official clients, against local fakes)', () => {
  const schema = uniqueSchema('e2e_cancel_cloud');
  const example = join(root, 'examples/node-hello');
  let storage: FakeCloudStorage;
  let cloudBuild: FakeCloudBuild;
  let cloudRun: FakeCloudRun;
  let sut: AllInOne;
  let home: string;
  let url: string;
  let firstRevision: string;
  let releaseHeldBuild: () => void = () => undefined;

  /** Deploys the example and resolves once the given line reached the socket; `ended` settles with its deployment_error. */
  const deployUntil = (line: RegExp): Promise<{ deploymentId: string; ended: Promise<DeploymentError['data'] & { at: number }>; close(): void }> => {
    const socket = connect(sut);
    let deploymentId: string | undefined;
    let resolveEnded: (error: DeploymentError['data'] & { at: number }) => void = () => undefined;
    const ended = new Promise<DeploymentError['data'] & { at: number }>((r) => (resolveEnded = r));
    socket.on('deployment_error', (error) => resolveEnded({ ...error.data, at: performance.now() }));
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`No line matching ${line} within 60 s`)), 60_000);
      socket.on('message', (reply) => {
        if (typeof reply.data.metadata.deploymentId === 'string') deploymentId = reply.data.metadata.deploymentId;
      });
      socket.on('deployment_update', (update) => {
        if (!deploymentId || ![update.data.message, ...update.data.logs].some((l) => line.test(l))) return;
        clearTimeout(timer);
        resolvePromise({ deploymentId, ended, close: () => socket.close() });
      });
      socket.on('deployment_complete', () => reject(new Error('The deployment completed instead of being cancelled')));
      socket.emit('message', { type: 'message', message: `deploy ${example}`, context: { action: 'deploy', repoUrl: example }, clientMessageId: randomUUID() });
    });
  };
  const serving = async () => (await getText(url)).body;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-cancel-cloud-'));
    storage = await FakeCloudStorage.start();
    cloudBuild = await FakeCloudBuild.start(storage, { tickMs: 20 });
    cloudRun = await FakeCloudRun.start();
    sut = await startAllInOne(
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SERVERGEM_HOME: home,
        PORT: '0',
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        GOOGLE_CLOUD_PROJECT: 'servergem-test',
        GOOGLE_CLOUD_REGION: 'europe-west1',
        CLOUDBUILD_API_ENDPOINT: `http://127.0.0.1:${cloudBuild.port}`,
        STORAGE_API_ENDPOINT: storage.endpoint,
        CLOUDRUN_API_ENDPOINT: `http://127.0.0.1:${cloudRun.port}`,
        // A pending revision waits as long as it takes: only the cancel ends that wait.
        CLOUDRUN_READY_TIMEOUT_SECONDS: '600',
      },
      () => undefined,
    );
    const first = await deployOverSocket(sut, { repoUrl: example });
    expect(first.error).toBeUndefined();
    url = first.complete!.url;
    firstRevision = await serving();
    expect(firstRevision).toMatch(/^node-hello-/);
  });

  afterAll(async () => {
    releaseHeldBuild();
    await sut?.stop();
    await cloudBuild?.stop();
    await cloudRun?.stop();
    await storage?.stop();
    await removeInstallation(home);
    await dropSchema(schema);
  });

  it('cancelled mid-build: CancelBuild reaches Cloud Build, the deployment ends cancelled, the previous revision serving', async () => {
    // A build that runs for a minute: its log starts, then it holds.
    cloudBuild.script({
      logLines: ['Step 1/2 : FROM node:22-slim', 'Step 2/2 : RUN sleep 60'],
      holdUntil: new Promise<void>((resolve) => {
        releaseHeldBuild = resolve;
        setTimeout(resolve, 60_000).unref();
      }),
    });
    const running = await deployUntil(/^Step 2\/2 : RUN sleep 60$/);
    const build = cloudBuild.builds[0]!;
    expect(build.status).toBe('WORKING');

    const requestedAt = performance.now();
    const reply = await apiJson<CancelReply>(sut, `/api/deployments/${running.deploymentId}/cancel`, { method: 'POST', body: {} });
    expect(reply).toMatchObject({ cancelled: true, cancelledBy: 'local' });
    const error = await running.ended;
    console.log(`cancel on Cloud Build: request → deployment_error ${Math.round(error.at - requestedAt)} ms`);
    expect(error).toMatchObject({ deploymentId: running.deploymentId, code: 'CANCELLED', stage: 'building' });

    await until('CancelBuild', () => (cloudBuild.cancelRequests.includes(build.id) ? true : undefined), 10_000);
    console.log(`cancel on Cloud Build: request → CancelBuild received ${Math.round(performance.now() - requestedAt)} ms`);
    expect(build.status).toBe('CANCELLED');
    expect(await serving()).toBe(firstRevision);
    const { deployment } = await apiJson<{ deployment: DeploymentSummary }>(sut, `/api/deployments/${running.deploymentId}`);
    expect(deployment).toMatchObject({ status: 'cancelled', stage: 'cancelled', cancelledBy: 'local' });
    running.close();
  });

  it('cancelled while Cloud Run makes the revision: the half-made revision is deleted, the previous one never stopped serving', async () => {
    cloudRun.scriptNextRevision({ ready: 'pending', message: 'Waiting for the container to start.' });
    const running = await deployUntil(/^Waiting for revision/);
    const pending = [...cloudRun.revisions.keys()].filter((name) => name.includes('/services/node-hello/'));

    const requestedAt = performance.now();
    const reply = await apiJson<CancelReply>(sut, '/api/services/node-hello/cancel', { method: 'POST', body: {} });
    expect(reply).toMatchObject({ deploymentId: running.deploymentId, cancelled: true });
    const error = await running.ended;
    console.log(`cancel on Cloud Run: request → deployment_error ${Math.round(error.at - requestedAt)} ms`);
    expect(error).toMatchObject({ code: 'CANCELLED', stage: 'verifying' });

    // The revision it was making goes; the one before keeps all the traffic.
    await until('the half-made revision to be deleted', () => (cloudRun.requests.some((r) => r.method === 'DeleteRevision') ? true : undefined), 10_000);
    console.log(`cancel on Cloud Run: request → DeleteRevision received ${Math.round(performance.now() - requestedAt)} ms`);
    const deleted = cloudRun.requests.filter((r) => r.method === 'DeleteRevision').map((r) => (r.request as { name: string }).name);
    expect(deleted).toHaveLength(1);
    expect(pending).toContain(deleted[0]);
    expect(cloudRun.revisions.has(deleted[0]!)).toBe(false);
    expect(cloudRun.traffic('projects/servergem-test/locations/europe-west1/services/node-hello').map((t) => t.revision)).toEqual([firstRevision]);
    expect(await serving()).toBe(firstRevision);
    running.close();
  });
});

describe('cancelling over NATS with two builder replicas (each service its own process)', () => {
  const schema = uniqueSchema('e2e_cancel_nats');
  const token = randomBytes(24).toString('hex');
  const owner = `token:${createHash('sha256').update(token).digest('hex').slice(0, 24)}`;
  const service = `slow-nats-${randomBytes(3).toString('hex')}`;
  let sut: Distributed;
  let second: ChildProcess;
  let home: string;
  let work: string;
  let source: string;
  let url: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-cancel-nats-'));
    work = mkdtempSync(join(tmpdir(), 'servergem-cancel-nats-src-'));
    source = join(work, service);
    cpSync(fixture, source, { recursive: true });
    const env = installationEnv(
      { natsUrl: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222', databaseUrl: TEST_DATABASE_URL, namespace: schema, home },
      { AUTH_TOKEN: token },
    );
    sut = await startDistributed(root, env);
    // A second builder in the same queue group: either one may take a build, and both hear every cancel.
    second = spawn(process.execPath, [join(root, 'dist/apps/builder/src/main.js')], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 1500));
    writeFileSync(join(source, 'version.txt'), 'one\n');
    writeFileSync(join(source, 'quick-build'), '');
    const first = await deployOverSocket(sut, { repoUrl: source });
    expect(first.error).toBeUndefined();
    url = first.complete!.url;
    rmSync(join(source, 'quick-build'));
    writeFileSync(join(source, 'version.txt'), 'two\n');
  });

  afterAll(async () => {
    second?.kill('SIGTERM');
    await sut?.stop();
    await removeInstallation(home);
    rmSync(work, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it('builds running at once, on whichever replicas took them, are each stopped by their cancel', async () => {
    // Four, so both replicas most likely get some; a cancel that reached only one replica would miss the others' builds.
    const builds = await Promise.all(Array.from({ length: 4 }, () => startSlowBuild(sut, source)));
    // The builder running a build is the parent of its process group's leader (npm).
    const replicas = new Map([
      [sut.processes.get('builder')!.pid!, 'builder 1'],
      [second.pid!, 'builder 2'],
    ]);
    const ranOn = builds.map((b) => replicas.get(Number(readFileSync(`/proc/${b.processes.group}/stat`, 'utf8').split(') ')[1]!.split(' ')[1])));
    console.log(`over NATS: the builds ran on ${ranOn.join(', ')}`);
    expect(ranOn.every((r) => r !== undefined)).toBe(true);

    for (const build of builds) {
      const requestedAt = performance.now();
      const reply = await apiJson<CancelReply>(sut, `/api/deployments/${build.deploymentId}/cancel`, { method: 'POST', body: {} });
      expect(reply).toMatchObject({ cancelled: true, cancelledBy: owner });
      const error = await build.ended;
      expect(error).toMatchObject({ code: 'CANCELLED', stage: 'building' });
      await until('the build process group to be gone', () => (groupAlive(build.processes.group) ? undefined : true), 10_000);
      console.log(
        `cancel over NATS: request → deployment_error ${Math.round(error.at - requestedAt)} ms, → no process left ${Math.round(performance.now() - requestedAt)} ms`,
      );
      build.close();
    }
    expect(await getText(url)).toEqual({ status: 200, body: 'slow-build one\n' });
  });
});
