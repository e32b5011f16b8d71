import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceSummary } from '#contracts';
import { apiFetch, apiJson, connect, deployOverSocket, getText, dropSchema, TEST_DATABASE_URL } from '#testing';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const DATABASE_URL = TEST_DATABASE_URL;
const root = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

describe('local runtime: stable URL, rollback, restart on crash, apps outlive ServerGem', () => {
  const schema = `e2e_rt_${randomBytes(4).toString('hex')}`;
  const service = `rt-hello-${randomBytes(3).toString('hex')}`;
  let home: string;
  let work: string;
  let app: string;
  let sut: AllInOne;
  let env: NodeJS.ProcessEnv;

  const writeVersion = (text: string) => {
    const server = readFileSync(join(root, 'examples/node-hello/server.js'), 'utf8');
    writeFileSync(join(app, 'server.js'), server.replace("'Hello from ServerGem'", `'${text}'`));
  };
  const services = async () => (await apiJson<{ services: ServiceSummary[] }>(sut, '/api/services')).services;
  const mine = async () => (await services()).find((s) => s.name === service)!;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-rt-'));
    work = mkdtempSync(join(tmpdir(), 'servergem-rt-src-'));
    app = join(work, service);
    cpSync(join(root, 'examples/node-hello'), app, { recursive: true });
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SERVERGEM_HOME: home,
      PORT: '0',
      DATABASE_URL,
      DATABASE_SCHEMA: schema,
      APP_START_TIMEOUT_SECONDS: '20',
    };
    sut = await startAllInOne(env, () => undefined);
  });

  afterAll(async () => {
    await sut?.stop();
    // Apps outlive ServerGem on purpose, so the test stops them itself.
    await removeInstallation(home);
    rmSync(work, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it('keeps one URL across deployments, rollback, a crash and a ServerGem restart', { timeout: 240_000 }, async () => {
    writeVersion('version one');
    const v1 = await deployOverSocket(sut, { repoUrl: app });
    expect(v1.error).toBeUndefined();
    const url = v1.complete!.url;
    expect(v1.complete!.service_name).toBe(service);
    expect((await getText(url)).body).toContain('version one');

    writeVersion('version two');
    const v2 = await deployOverSocket(sut, { repoUrl: app });
    expect(v2.error).toBeUndefined();
    expect(v2.complete!.url).toBe(url);
    expect((await getText(url)).body).toContain('version two');

    const revisions = await apiJson<{ revisions: { revision: string; current: boolean }[] }>(sut, `/api/services/${service}/revisions`);
    expect(revisions.revisions.map((r) => [r.revision, r.current])).toEqual([
      [v2.deploymentId, true],
      [v1.deploymentId, false],
    ]);

    // Roll back over REST: the same URL serves v1 again.
    const rolledBack = await apiFetch(sut, `/api/services/${service}/rollback`, { method: 'POST', body: {} });
    expect(rolledBack.status).toBe(200);
    expect(await rolledBack.json()).toMatchObject({ revision: v1.deploymentId, url });
    expect((await getText(url)).body).toContain('version one');

    // The supervisor restarts a killed app.
    const before = await mine();
    expect(before).toMatchObject({ status: 'running', revision: v1.deploymentId, url });
    const killedAt = Date.now();
    // The app crashes: its whole process group (npm, the shell, node) dies at once.
    process.kill(-before.pid!, 'SIGKILL');
    await until('the app to serve again', async () => ((await getText(url)).body.includes('version one') ? true : undefined));
    console.log(`restart after SIGKILL: served again after ${Date.now() - killedAt} ms`);
    const restarted = await until('a new pid', async () => {
      const s = await mine();
      return s.pid && s.pid !== before.pid ? s : undefined;
    });
    expect(restarted).toMatchObject({ status: 'running', restarts: 1 });
    const logs = await apiJson<{ lines: string[] }>(sut, `/api/services/${service}/logs?tail=50`);
    expect(logs.lines.some((l) => l.includes('exited unexpectedly'))).toBe(true);
    expect(logs.lines.some((l) => l.includes('node-hello listening on port'))).toBe(true);

    // ServerGem stops: the app keeps serving on its private port, from the same process.
    const state = JSON.parse(readFileSync(join(home, 'runtime', service, 'state.json'), 'utf8')) as { process: { pid: number; privatePort: number } };
    expect(state.process.pid).toBe(restarted.pid);
    await sut.stop();
    expect(isAlive(restarted.pid!)).toBe(true);
    expect((await getText(`http://127.0.0.1:${state.process.privatePort}/`)).body).toContain('version one');

    const startedAt = Date.now();
    sut = await startAllInOne(env, () => undefined);
    console.log(`ServerGem restart with re-adoption: ${Date.now() - startedAt} ms`);
    expect((await getText(url)).body).toContain('version one');
    expect(await mine()).toMatchObject({ status: 'running', pid: restarted.pid, url, revision: v1.deploymentId });

    const socket = connect(sut);
    const reply = await new Promise<string>((done) => {
      socket.on('message', (m) => done(m.data.content));
      socket.emit('message', { type: 'message', message: 'status' });
    });
    socket.close();
    expect(reply).toContain(`**${service}** running at ${url}`);

    // The CLI finds the install's token in the server's home by itself.
    const cli = await run(process.execPath, [join(root, 'bin/servergem.js'), 'status', '--server', sut.url], {
      cwd: root,
      timeout: 180_000,
      env: { ...process.env, SERVERGEM_HOME: home },
    });
    expect(cli.stdout).toMatch(new RegExp(`${service}\\s+running\\s+${url.replace(/\./g, '\\.')}`));
  });

  it('answers every request while ServerGem stops and restarts, and while a new release goes live', { timeout: 240_000 }, async () => {
    const url = (await mine()).url;
    const door = () => (JSON.parse(readFileSync(join(home, 'runtime', service, 'state.json'), 'utf8')) as { frontDoor: { pid: number } }).frontDoor;
    const doorBefore = door();
    expect(isAlive(doorBefore.pid)).toBe(true);

    // A client asks every 50 ms, as a monitor would, and counts what it did not get.
    const failures: string[] = [];
    let requests = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        requests++;
        const started = Date.now();
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
          const body = await response.text();
          if (response.status !== 200) failures.push(`${response.status} ${body.trim()}`);
        } catch (error) {
          failures.push(String((error as Error).cause ?? error));
        }
        await new Promise((r) => setTimeout(r, Math.max(0, 50 - (Date.now() - started))));
      }
    })();

    const stoppedAt = Date.now();
    await sut.stop();
    // ServerGem is down for a moment, as during an upgrade.
    await new Promise((r) => setTimeout(r, 1000));
    sut = await startAllInOne(env, () => undefined);
    const restartMs = Date.now() - stoppedAt;
    writeVersion('version three');
    const v3 = await deployOverSocket(sut, { repoUrl: app });
    expect(v3.error).toBeUndefined();
    expect(v3.complete!.url).toBe(url);
    await new Promise((r) => setTimeout(r, 500));
    polling = false;
    await poller;

    console.log(`front door across a ServerGem restart (${restartMs} ms down and up) and a deploy: ${requests} requests, ${failures.length} failed`);
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(20);
    expect((await getText(url)).body).toContain('version three');
    // The same front door all along: re-adopted, not reopened.
    expect(door().pid).toBe(doorBefore.pid);
  });

  it('answers 404 for an unknown service and 400 for a name that is not a slug', async () => {
    expect((await apiFetch(sut, '/api/services/no-such-service/revisions')).status).toBe(404);
    expect((await apiFetch(sut, '/api/services/Bad%20Name;rm/logs')).status).toBe(400);
  });
});
