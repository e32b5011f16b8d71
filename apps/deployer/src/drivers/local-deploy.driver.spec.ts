import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { AnalysisReport } from '#contracts';
import { appIdentity, DomainError, handOver, InstallationLayout, processStartTime, runAsOf } from '#common';
import type { ProgressReporter } from '#messaging';
import { deployerConfigSchema } from '../deployer.config.js';
import { portInUse } from './free-port.js';
import { LocalDeployDriver } from './local-deploy.driver.js';

const home = mkdtempSync(join(tmpdir(), 'servergem-runtime-'));
const layout = InstallationLayout.resolve({ home });
const report = { commands: { install: [], build: [], start: 'node server.js' }, port: null, portFromEnv: true } as unknown as AnalysisReport;

/** A release as the builder leaves it: in the shared folder, handed over to the app user. */
async function release(service: string, body: string, of?: { deploymentId: string; attempt: number }): Promise<{ deploymentId: string; releaseDir: string }> {
  const deploymentId = of?.deploymentId ?? randomUUID();
  const releaseDir = layout.prepareRelease(service, deploymentId, of?.attempt);
  mkdirSync(releaseDir, { recursive: true });
  writeFileSync(
    join(releaseDir, 'server.js'),
    body.startsWith('//')
      ? body
      : `require('node:http').createServer((q, s) => s.end(${JSON.stringify(body)})).listen(process.env.PORT, () => console.log('listening on', process.env.PORT));`,
  );
  await handOver(releaseDir, runAsOf(await appIdentity('servergem-app')));
  return { deploymentId, releaseDir };
}

function driver(env: Record<string, string> = {}): LocalDeployDriver {
  return new LocalDeployDriver(deployerConfigSchema.parse({ SERVERGEM_HOME: home, APP_START_TIMEOUT_SECONDS: '5', ...env }));
}

async function deploy(
  sut: LocalDeployDriver,
  service: string,
  r: { deploymentId: string; releaseDir: string },
  logs: string[] = [],
  signal?: AbortSignal,
  attempt?: number,
) {
  const reporter = { step: () => undefined, log: (line: string) => logs.push(line) } as unknown as ProgressReporter;
  return sut.deploy({
    deploymentId: r.deploymentId,
    serviceName: service,
    artifact: { kind: 'local', releaseDir: r.releaseDir, appDir: r.releaseDir },
    report,
    reporter,
    signal,
    attempt,
  });
}

const text = async (url: string) => (await fetch(url)).text();
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

describe(LocalDeployDriver.name, () => {
  const drivers: LocalDeployDriver[] = [];
  const make = (env: Record<string, string> = {}) => {
    const d = driver(env);
    drivers.push(d);
    return d;
  };
  afterEach(async () => {
    for (const d of drivers.splice(0)) await d.close();
  });
  afterAll(async () => {
    await driver().stopAll();
    rmSync(home, { recursive: true, force: true });
    if (layout.separate) rmSync(layout.shared, { recursive: true, force: true });
  });

  it('keeps one URL across releases; a release that fails leaves the previous one serving', async () => {
    const sut = make();
    const first = await deploy(sut, 'alpha', await release('alpha', 'one'));
    const second = await deploy(sut, 'alpha', await release('alpha', 'two'));
    expect(second.url).toBe(first.url);
    expect(await text(first.url)).toBe('two');

    const logs: string[] = [];
    const broken = await release('alpha', "// crashes\nconsole.error('boom: missing config'); process.exit(3);");
    const error = await deploy(sut, 'alpha', broken, logs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'APP_EXITED' });
    expect((error as DomainError).logs).toContain('boom: missing config');
    expect(logs).toContain('boom: missing config');
    expect(await text(first.url)).toBe('two');
    expect((await sut.revisions('alpha')).map((r) => r.current)).toEqual([true, false]);
  });

  it('cancelled while verifying: stops the new app, removes its release, and the previous one never stopped serving', async () => {
    const sut = make({ APP_START_TIMEOUT_SECONDS: '600' });
    const { url } = await deploy(sut, 'kappa', await release('kappa', 'one'));
    // An app that takes a minute to listen: only the cancel ends the wait.
    const slow = await release(
      'kappa',
      "// slow to start\nsetTimeout(() => require('node:http').createServer((q, s) => s.end('two')).listen(process.env.PORT), 60_000);",
    );
    const logs: string[] = [];
    const controller = new AbortController();
    const deploying = deploy(sut, 'kappa', slow, logs, controller.signal).catch((e: unknown) => e);
    await vi.waitFor(() => expect(logs.some((l) => l.startsWith('Started pid'))).toBe(true), { timeout: 5000 });
    const pid = Number(/Started pid (\d+)/.exec(logs.find((l) => l.startsWith('Started pid'))!)![1]);

    controller.abort();
    const error = await deploying;

    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'CANCELLED' });
    expect((error as DomainError).message).toMatch(/^The deployment was cancelled while the new release was starting; revision [0-9a-f-]{36} still serves\.$/);
    expect(alive(pid)).toBe(false);
    expect(existsSync(slow.releaseDir)).toBe(false);
    expect(await text(url)).toBe('one');
    expect((await sut.revisions('kappa')).map((r) => r.current)).toEqual([true]);
  });

  it('a deploy attempt taken over by a later one on another deployer of this home stops what it started and puts nothing live', async () => {
    // Two deployer replicas on one machine: the first one's attempt is held up (as if frozen) while
    // its app comes up, and the job goes to the other.
    const [first, second] = [make(), make()];
    const { url } = await deploy(first, 'iota', await release('iota', 'one'));
    const before = (await first.list()).find((s) => s.name === 'iota')!.pid!;
    // Both replicas have the service open, as each does from its start.
    await second.list();
    const gate = join(home, 'iota-gate');
    const deploymentId = randomUUID();
    const held = await release(
      'iota',
      `// answers only once the gate is open\nconst t = setInterval(() => { if (require('node:fs').existsSync(${JSON.stringify(gate)})) { clearInterval(t); require('node:http').createServer((q, s) => s.end('stale')).listen(process.env.PORT); } }, 20);`,
      { deploymentId, attempt: 1 },
    );
    const logs: string[] = [];
    const stale = deploy(first, 'iota', held, logs, undefined, 1).catch((e: unknown) => e);
    await vi.waitFor(() => expect(logs.some((l) => l.startsWith('Started pid'))).toBe(true), { timeout: 5000 });
    const stalePid = Number(/Started pid (\d+)/.exec(logs.find((l) => l.startsWith('Started pid'))!)![1]);

    await deploy(second, 'iota', await release('iota', 'two', { deploymentId, attempt: 2 }), [], undefined, 2);
    const live = (await second.list()).find((s) => s.name === 'iota')!.pid!;
    writeFileSync(gate, '');
    const error = await stale;

    expect(alive(stalePid)).toBe(false);
    await expect.poll(() => alive(before), { timeout: 10_000 }).toBe(false);
    // The first deployer's supervisor saw its process go: the newer one is not its to restart.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await text(url)).toBe('two');
    expect(alive(live)).toBe(true);
    const state = JSON.parse(readFileSync(join(home, 'runtime', 'iota', 'state.json'), 'utf8')) as {
      process: { pid: number };
      candidate: unknown;
      claim: unknown;
    };
    expect(state).toMatchObject({ process: { pid: live }, candidate: null, claim: null });
    expect((await first.list()).find((s) => s.name === 'iota')).toMatchObject({ pid: live, status: 'running', restarts: 0 });
    expect(error).toMatchObject({ code: 'INTERRUPTED', message: expect.stringMatching(/taken over by attempt 2|taken over by a later deploy attempt/) });
  });

  it('rolls back to the previous revision, or the one named, at the same URL', async () => {
    const sut = make();
    const one = await release('beta', 'one');
    const { url } = await deploy(sut, 'beta', one);
    const two = await release('beta', 'two');
    await deploy(sut, 'beta', two);
    expect(await sut.rollback('beta')).toEqual({ name: 'beta', revision: one.deploymentId, url });
    expect(await text(url)).toBe('one');
    await sut.rollback('beta', two.deploymentId);
    expect(await text(url)).toBe('two');
    await expect(sut.rollback('beta', 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(sut.rollback('no-such-service')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps the last five releases and deletes older release folders', async () => {
    const sut = make();
    const releases = await Promise.all(Array.from({ length: 6 }, (_, i) => release('gamma', `r${i}`)));
    for (const r of releases) await deploy(sut, 'gamma', r);
    const kept = await sut.revisions('gamma');
    expect(kept.map((r) => r.revision)).toEqual(
      releases
        .slice(1)
        .reverse()
        .map((r) => r.deploymentId),
    );
    expect(existsSync(releases[0]!.releaseDir)).toBe(false);
    expect(existsSync(releases[1]!.releaseDir)).toBe(true);
  });

  it('leaves apps running when it closes; the next deployer re-adopts the live one and restarts the dead one', async () => {
    const first = make();
    const { url } = await deploy(first, 'delta', await release('delta', 'delta'));
    const { url: otherUrl } = await deploy(first, 'epsilon', await release('epsilon', 'epsilon'));
    const before = await first.list();
    const delta = before.find((s) => s.name === 'delta')!;
    const epsilon = before.find((s) => s.name === 'epsilon')!;
    await first.close();
    expect(alive(delta.pid!)).toBe(true);
    process.kill(epsilon.pid!, 'SIGKILL');

    const second = make();
    await second.adoptAll();
    const after = await second.list();
    expect(after.find((s) => s.name === 'delta')).toMatchObject({ pid: delta.pid, url, status: 'running' });
    expect(await text(url)).toBe('delta');
    const restarted = after.find((s) => s.name === 'epsilon')!;
    expect(restarted.pid).not.toBe(epsilon.pid);
    expect(restarted.url).toBe(otherUrl);
    await expect.poll(() => text(otherUrl).catch(() => ''), { timeout: 5000 }).toBe('epsilon');
  });

  it('restarts a crashed app, and leaves a stopped one stopped', async () => {
    const sut = make();
    const { url } = await deploy(sut, 'zeta', await release('zeta', 'zeta'));
    const [running] = (await sut.list()).filter((s) => s.name === 'zeta');
    process.kill(running!.pid!, 'SIGKILL');
    await expect.poll(async () => (await sut.list()).find((s) => s.name === 'zeta')?.status, { timeout: 1000 }).toBe('crashed');
    await expect.poll(() => text(url).catch(() => ''), { timeout: 5000 }).toBe('zeta');
    expect((await sut.list()).find((s) => s.name === 'zeta')).toMatchObject({ status: 'running', restarts: 1 });
    expect(await sut.logs('zeta', 100)).toEqual(expect.arrayContaining([expect.stringMatching(/exited unexpectedly/)]));

    const stopped = await sut.stop('zeta');
    expect(stopped).toMatchObject({ status: 'stopped', pid: null });
    expect((await fetch(url)).status).toBe(503);
    await sut.close();
    const next = make();
    await next.adoptAll();
    expect((await next.list()).find((s) => s.name === 'zeta')).toMatchObject({ status: 'stopped', pid: null });
  });

  it("reports what a running app's process group uses (the app and its child, not its log writer or front door), and nothing once stopped", async () => {
    const sut = make();
    // 64 MB written to (so resident), and one child in the app's group, before it listens.
    const app = await release(
      'usage',
      `// holds memory and a child
const held = Buffer.alloc(64 * 1024 * 1024, 1);
const child = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
child.once('spawn', () => require('node:http').createServer((q, s) => s.end(String(held.length))).listen(process.env.PORT));`,
    );
    await deploy(sut, 'usage', app);
    const running = (await sut.list()).find((s) => s.name === 'usage')!;
    const groupOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);
    const state = JSON.parse(readFileSync(join(home, 'runtime', 'usage', 'state.json'), 'utf8')) as { frontDoor: { pid: number } };
    const writer = readdirSync('/proc')
      .filter((p) => /^[0-9]+$/.test(p))
      .find((p) => {
        const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        return argv.some((a) => a.includes('log-writer-main')) && argv.includes(join(home, 'runtime', 'usage', 'app.log'));
      });
    // Both are there, and neither is of the app's group.
    expect(writer).toBeDefined();
    expect(alive(state.frontDoor.pid)).toBe(true);
    expect([groupOf(Number(writer)), groupOf(state.frontDoor.pid)]).not.toContain(running.pid);

    expect(running.processes).toBe(2);
    expect(running.memoryBytes).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    expect(running.cpuSeconds).toBeGreaterThan(0);
    expect(running.uptimeSeconds).toBeGreaterThanOrEqual(0);

    const stopped = await sut.stop('usage');
    const none = { memoryBytes: null, cpuSeconds: null, processes: null, uptimeSeconds: null };
    expect(stopped).toMatchObject({ status: 'stopped', ...none });
    expect((await sut.list()).find((s) => s.name === 'usage')).toMatchObject({ status: 'stopped', ...none });
  });

  it('stops a release an earlier deployer was still verifying when it died', async () => {
    const sut = make();
    await deploy(sut, 'theta', await release('theta', 'theta'));
    await sut.close();
    const orphan = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
    orphan.unref();
    const file = join(home, 'runtime', 'theta', 'state.json');
    const state = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const candidate = { pid: orphan.pid!, startTime: processStartTime(orphan.pid!), privatePort: 1, deploymentId: 'x', startedAt: new Date().toISOString() };
    writeFileSync(file, JSON.stringify({ ...state, candidate }));

    await make().adoptAll();
    await expect.poll(() => alive(orphan.pid!), { timeout: 2000 }).toBe(false);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ candidate: null });
  });

  it.runIf(process.getuid?.() === 0)('refuses to start, with the reason, a release the app user cannot reach', async () => {
    const sut = make();
    // Where earlier versions built releases: inside ServerGem's home, now closed to the app user.
    const releaseDir = join(home, 'releases', 'iota', randomUUID());
    mkdirSync(releaseDir, { recursive: true });
    writeFileSync(join(releaseDir, 'server.js'), 'require("node:http").createServer().listen(process.env.PORT);');
    const error = await deploy(sut, 'iota', { deploymentId: basename(releaseDir), releaseDir }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'DEPLOY_FAILED',
      message: expect.stringContaining(`inside ${home}, which the app user cannot enter; deploy the service again`),
    });
  });

  it('stopAll stops every app it knows of, adopted or not', async () => {
    const sut = make();
    await deploy(sut, 'eta', await release('eta', 'eta'));
    const pids = (await sut.list()).map((s) => s.pid).filter((p): p is number => p !== null);
    expect(pids.length).toBeGreaterThan(0);
    await sut.close();
    await driver().stopAll();
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  it('gives stable URLs ports of APP_PORT_RANGE, on APP_PROXY_HOST, named with APP_URL_HOST (a container publishing its ports)', async () => {
    let first = 0;
    for (let base = 41000 + Math.floor(Math.random() * 8000); !first; base += 3) {
      if (!(await portInUse('0.0.0.0', base)) && !(await portInUse('0.0.0.0', base + 1))) first = base;
    }
    const sut = make({ APP_PORT_RANGE: `${first}-${first + 1}`, APP_PROXY_HOST: '0.0.0.0', APP_URL_HOST: 'localhost' });
    const one = await deploy(sut, 'ranged-one', await release('ranged-one', 'one'));
    const two = await deploy(sut, 'ranged-two', await release('ranged-two', 'two'));
    expect([one.url, two.url]).toEqual([`http://localhost:${first}`, `http://localhost:${first + 1}`]);
    // Listening on every address: reached here on loopback, from the host through the published port.
    expect(await text(`http://127.0.0.1:${first}`)).toBe('one');
    expect(await text(`http://127.0.0.1:${first + 1}`)).toBe('two');
    const full = await deploy(sut, 'ranged-three', await release('ranged-three', 'three')).catch((e: unknown) => e);
    expect(full).toBeInstanceOf(DomainError);
    expect(full).toMatchObject({ code: 'DEPLOY_FAILED', message: expect.stringContaining(`APP_PORT_RANGE (${first}-${first + 1})`) });
  });

  it('refuses a port range that is not one', () => {
    for (const range of ['9000', '9100-9000', '0-10', '9000-70000', 'a-b']) {
      expect(deployerConfigSchema.safeParse({ APP_PORT_RANGE: range }).success, range).toBe(false);
    }
    expect(deployerConfigSchema.parse({ APP_PORT_RANGE: '9000-9099' }).APP_PORT_RANGE).toEqual({ first: 9000, last: 9099 });
  });
});
