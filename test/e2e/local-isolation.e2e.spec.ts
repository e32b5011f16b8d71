import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceSummary } from '#contracts';
import { systemAccounts } from '#common';
import { apiJson, deployOverSocket, getText } from '#testing';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const examples = resolve(import.meta.dirname, '../../examples');
const CANARY = 'SERVERGEM_TEST_CANARY';

interface ProcessReport {
  uid: number;
  gid: number;
  groups: string;
  env: Record<string, string>;
  /** What each read of ServerGem's files gave: `read`, or the error code. */
  reads: Record<string, string>;
}

/**
 * An app that reports who it runs as, what it sees in its environment and what it got when it
 * tried to read ServerGem's files — once from its build step, once from the running app.
 */
function writeProbe(dir: string, targets: string[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'isolation-probe', private: true, scripts: { build: 'node probe.js build' } }));
  writeFileSync(join(dir, 'Procfile'), 'web: node probe.js\n');
  writeFileSync(
    join(dir, 'probe.js'),
    `const fs = require('node:fs');
const http = require('node:http');
const targets = ${JSON.stringify(targets)};
function attempt(path) {
  try {
    if (fs.statSync(path).isDirectory()) fs.readdirSync(path);
    else fs.readFileSync(path);
    return 'read';
  } catch (error) {
    return error.code;
  }
}
function report() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const groups = (status.match(/^Groups:(.*)$/m) || ['', ''])[1].trim();
  return { uid: process.getuid(), gid: process.getgid(), groups, env: { ...process.env }, reads: Object.fromEntries(targets.map((t) => [t, attempt(t)])) };
}
if (process.argv[2] === 'build') {
  fs.writeFileSync('build-report.json', JSON.stringify(report()));
  console.log('probe build ran as uid ' + process.getuid());
} else {
  const build = JSON.parse(fs.readFileSync('build-report.json', 'utf8'));
  http.createServer((req, res) => res.end(JSON.stringify({ app: report(), build }))).listen(Number(process.env.PORT), () => console.log('isolation-probe listening on port ' + process.env.PORT));
}
`,
  );
}

describe.runIf(process.getuid?.() === 0)('local target as root: apps and builds run as the app user, away from ServerGem', () => {
  let parent: string;
  let home: string;
  let sut: AllInOne;
  let appUser: { uid: number; gid: number };
  const started: string[] = [];

  beforeAll(async () => {
    // Like /root: a private parent, which neither PostgreSQL nor the apps may enter.
    parent = mkdtempSync(join(tmpdir(), 'servergem-private-'));
    home = join(parent, 'home');
    // A setting of ServerGem's, in its own environment and in the one it is started with: no app may see it.
    process.env[CANARY] = 'canary-value-7f3a';
    sut = await startAllInOne(
      { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', APP_START_TIMEOUT_SECONDS: '30', [CANARY]: 'canary-value-7f3a' },
      (line) => started.push(line),
    );
    appUser = (await systemAccounts.find('servergem-app'))!;
  });

  afterAll(async () => {
    delete process.env[CANARY];
    await sut?.stop();
    if (home) await removeInstallation(home);
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  it('starts with the embedded database from a home under a private folder and deploys examples/node-hello', async () => {
    expect(started.some((l) => l.includes('run as the unprivileged user servergem-app'))).toBe(true);
    expect(sut.sharedDir.startsWith(parent)).toBe(false);
    const transcript = await deployOverSocket(sut, { repoUrl: join(examples, 'node-hello') });
    expect(transcript.error).toBeUndefined();
    expect((await getText(transcript.complete!.url)).status).toBe(200);
  });

  it('builds and runs the app as the app user, with no groups of ServerGem, unable to read its home, keys, state or database', async () => {
    const targets = [
      home,
      join(home, 'secret.key'),
      join(home, 'database.password'),
      join(home, 'runtime'),
      join(home, 'runtime', 'isolation-probe', 'state.json'),
      join(sut.sharedDir, 'postgres'),
      join(sut.sharedDir, 'postgres', 'PG_VERSION'),
      `/proc/${process.pid}/environ`,
    ];
    writeProbe(join(parent, 'isolation-probe'), targets);
    const transcript = await deployOverSocket(sut, { repoUrl: join(parent, 'isolation-probe') });
    expect(transcript.error).toBeUndefined();
    expect(transcript.updates.flatMap((u) => u.logs)).toContain(`probe build ran as uid ${appUser.uid}`);
    const { app, build } = JSON.parse((await getText(transcript.complete!.url)).body) as { app: ProcessReport; build: ProcessReport };

    for (const report of [app, build]) {
      expect(report).toMatchObject({ uid: appUser.uid, gid: appUser.gid, groups: '' });
      expect(report.reads).toEqual(Object.fromEntries(targets.map((t) => [t, 'EACCES'])));
    }
    // Seen from outside too: the process the runtime supervises is the app user's.
    const { services } = await apiJson<{ services: ServiceSummary[] }>(sut, '/api/services');
    const pid = services.find((s) => s.name === 'isolation-probe')!.pid!;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(/^Uid:\s+(.*)$/m.exec(status)![1]!.split(/\s+/)).toEqual(Array(4).fill(String(appUser.uid)));
  });

  it('gives the app exactly the documented environment, and the build nothing of ServerGem', async () => {
    const transcript = await deployOverSocket(sut, { repoUrl: join(parent, 'isolation-probe') });
    const { app, build } = JSON.parse((await getText(transcript.complete!.url)).body) as { app: ProcessReport; build: ProcessReport };
    const serviceHome = join(sut.sharedDir, 'homes', 'isolation-probe');

    expect(Object.keys(app.env).sort()).toEqual(['HOME', 'HOST', 'LANG', 'NODE_ENV', 'PATH', 'PORT']);
    expect(app.env).toMatchObject({ HOME: serviceHome, PATH: process.env.PATH, NODE_ENV: 'production', HOST: '127.0.0.1' });
    expect(build.env.HOME).toBe(serviceHome);
    for (const env of [app.env, build.env]) {
      expect(Object.values(env)).not.toContain('canary-value-7f3a');
      expect(Object.keys(env).filter((k) => k.startsWith('SERVERGEM_') || k === 'DATABASE_URL')).toEqual([]);
    }
  });
});
