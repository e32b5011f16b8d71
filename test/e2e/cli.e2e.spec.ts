import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, dropSchema, getText, uniqueSchema, TEST_DATABASE_URL, runCli } from '#testing';
import type { DeploymentUpdate } from '#contracts';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'bin/servergem.js');

const servergem = (args: string[], env: NodeJS.ProcessEnv = {}, cwd = root) => runCli(root, args, { env, cwd });

describe('servergem CLI against a running server', () => {
  let server: AllInOne;
  let home: string;
  // The CLI on the server's machine, with its SERVERGEM_HOME: it finds the install's token by itself.
  const sameMachine = () => ({ SERVERGEM_HOME: home });

  beforeAll(async () => {
    // Named as the default home is, so a CLI started in its parent folder finds it with no settings.
    const parent = mkdtempSync(join(tmpdir(), 'servergem-cli-'));
    // The embedded PostgreSQL runs as its own user, which must be able to reach the home.
    chmodSync(parent, 0o711);
    home = join(parent, '.servergem');
    server = await startAllInOne({ PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0' }, () => undefined);
  });

  afterAll(async () => {
    await server?.stop();
    // Deployed apps outlive ServerGem on purpose; the test stops the ones it started.
    await removeInstallation(home);
    rmSync(dirname(home), { recursive: true, force: true });
  });

  it('deploy prints stages and real log lines, then the URL as its last line, and exits 0', async () => {
    const result = await servergem(['deploy', 'examples/node-hello', '--server', server.url], sameMachine());
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(result.stdout).toContain('▸ building');
    expect(result.stdout).toContain('node-hello listening on port');
    const url = lines.at(-1)!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await getText(url)).status).toBe(200);
  });

  it('deploy --json prints one JSON object per event, the last one deployment_complete', async () => {
    const result = await servergem(['deploy', 'examples/node-hello', '--server', server.url, '--json'], sameMachine());
    expect(result.code).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; data: { seq?: number } });
    expect(events[0]!.type).toBe('message');
    expect(events.at(-1)!.type).toBe('deployment_complete');
    const seqs = events.filter((e) => e.type === 'deployment_update').map((e) => e.data.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('deploy of a broken source prints the error and hint and exits non-zero', async () => {
    const result = await servergem(['deploy', join(home, 'missing'), '--server', server.url], sameMachine());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/REPO_NOT_FOUND/);
    expect(result.stderr).toMatch(/hint:/);
    // A relative folder that is not there is named as the folder it would be, not refused as relative.
    const relative = await servergem(['deploy', './missing', '--server', server.url], sameMachine(), home);
    expect(relative.code).toBe(1);
    expect(relative.stderr).toContain(`REPO_NOT_FOUND): There is no folder or git repository at ${join(home, 'missing')}.`);
  });

  it('finds the token in ./.servergem by itself, as the server keeps it by default', async () => {
    const result = await servergem(['status', '--server', server.url, '--json'], {}, dirname(home));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toBeInstanceOf(Array);
  });

  it('without the token says where it is and how to pass it, and with SERVERGEM_TOKEN goes in', async () => {
    const elsewhere = { SERVERGEM_HOME: join(home, 'not-the-servers-home') };
    const status = await servergem(['status', '--server', server.url], elsewhere);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('UNAUTHORIZED: A valid access token is required.');
    expect(status.stderr).toContain(`hint: This install's token is in ${join(home, 'access-token')}`);
    const deploy = await servergem(['deploy', 'examples/node-hello', '--server', server.url], elsewhere);
    expect(deploy.code).toBe(1);
    expect(deploy.stderr).toMatch(/Could not connect to ServerGem at .*: A valid access token is required\.\nhint: .*SERVERGEM_TOKEN/);
    const withToken = await servergem(['status', '--server', server.url, '--json'], { ...elsewhere, SERVERGEM_TOKEN: server.token });
    expect(withToken.code).toBe(0);
    expect(JSON.parse(withToken.stdout)).toBeInstanceOf(Array);
  });

  it('deploy with no server running says how to start one', async () => {
    const result = await servergem(['deploy', 'examples/node-hello', '--server', 'http://127.0.0.1:9']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Could not connect to ServerGem/);
  });

  it('analyze --json prints the report with no server', async () => {
    const result = await servergem(['analyze', 'examples/node-express', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ language: 'node', framework: 'express', commands: { start: 'npm start' } });
  });

  it('subscribe replays exactly the events after afterSeq', async () => {
    const result = await servergem(['deploy', 'examples/node-hello', '--server', server.url, '--json'], sameMachine());
    const first = JSON.parse(result.stdout.split('\n')[0]!) as { data: { metadata: { deploymentId: string } } };
    const deploymentId = first.data.metadata.deploymentId;
    const socket = connect(server);
    const replayed: DeploymentUpdate['data'][] = [];
    await new Promise<void>((done) => {
      socket.on('deployment_update', (u) => replayed.push(u.data));
      socket.on('deployment_complete', () => done());
      socket.emit('subscribe', { deploymentId, afterSeq: 3 });
    });
    socket.close();
    expect(replayed[0]!.seq).toBe(4);
    expect(replayed.map((u) => u.seq)).toEqual(replayed.map((_, i) => i + 4));
    expect(replayed.at(-1)!.stage).toBe('live');
  });

  it('status shows what a running app uses (MEMORY, CPU; --json the raw numbers), and nothing once it is stopped', async () => {
    type Listed = {
      name: string;
      status: string;
      memoryBytes: number | null;
      cpuSeconds: number | null;
      processes: number | null;
      uptimeSeconds: number | null;
    };
    const listed = async () => JSON.parse((await servergem(['status', '--server', server.url, '--json'], sameMachine())).stdout) as Listed[];
    const running = (await listed()).find((s) => s.name === 'node-hello')!;
    expect(running.status).toBe('running');
    // A Node process holds tens of megabytes resident at the least; `npm start` may have run it under a shell.
    expect(running.memoryBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(running.cpuSeconds).toBeGreaterThan(0);
    expect(running.processes).toBeGreaterThanOrEqual(1);
    expect(running.uptimeSeconds).toBeGreaterThanOrEqual(0);

    const table = await servergem(['status', '--server', server.url], sameMachine());
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^SERVICE +STATUS +URL +REVISION +PID +MEMORY +CPU +RESTARTS +SINCE$/);
    expect(rows.find((r) => r.startsWith('node-hello '))).toMatch(/ \d+\.\d MB +\d+\.\d s /);

    expect((await servergem(['stop', 'node-hello', '--server', server.url], sameMachine())).code).toBe(0);
    expect((await listed()).find((s) => s.name === 'node-hello')).toMatchObject({
      status: 'stopped',
      memoryBytes: null,
      cpuSeconds: null,
      processes: null,
      uptimeSeconds: null,
    });
    const stopped = await servergem(['status', '--server', server.url], sameMachine());
    expect(stopped.stdout.split('\n').find((r) => r.startsWith('node-hello '))).toMatch(/ — +— +— +\d+ /);
  });
});

describe('servergem up', () => {
  const schema = uniqueSchema();
  let home: string;
  let child: ChildProcess | undefined;

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child!.once('exit', done));
      child.kill('SIGINT');
      await exited;
    }
    if (home) await removeInstallation(home);
    await dropSchema(schema);
  });

  it('prints a login link with the install token, which the server takes, and stops on Ctrl-C', async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-up-'));
    child = spawn(process.execPath, [cli, 'up'], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const banner = await new Promise<string>((resolve, reject) => {
      child!.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('Stop with Ctrl-C')) resolve(output);
      });
      child!.once('exit', (code) => reject(new Error(`servergem up exited (${code}):\n${output}`)));
    });
    const link = /Open this link to log in: +(http:\/\/127\.0\.0\.1:\d+\/\?token=(\S+))/.exec(banner);
    expect(link, banner).not.toBeNull();
    const token = decodeURIComponent(link![2]!);
    expect(token).toBe(readFileSync(join(home, 'access-token'), 'utf8').trim());
    const url = new URL(link![1]!).origin;
    expect((await fetch(`${url}/api/deployments`)).status).toBe(401);
    expect((await fetch(`${url}/api/deployments`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    // The page the link opens is the web UI (or the page that says how to build it).
    expect((await fetch(link![1]!)).status).toBe(200);

    const exited = new Promise<void>((done) => child!.once('exit', () => done()));
    child.kill('SIGINT');
    await exited;
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});
