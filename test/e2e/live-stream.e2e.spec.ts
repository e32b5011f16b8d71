import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentUpdate } from '#contracts';
import { connect, dropSchema, isGapFree, TEST_DATABASE_URL, uniqueSchema } from '#testing';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const LINES = 3000;
const WATCHERS = 12;
const [OWNER_TOKEN, OTHER_TOKEN] = ['live-stream-owner-token-0123456789', 'live-stream-other-token-0123456789'];

/** An app whose build waits for a file, then prints LINES numbered lines as fast as it can. */
function floodingApp(dir: string, go: string): void {
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'flood', version: '1.0.0', private: true, scripts: { build: 'node flood.js', start: 'node server.js' } }),
  );
  writeFileSync(join(dir, 'server.js'), "require('node:http').createServer((q, s) => s.end('ok')).listen(process.env.PORT || 8080);\n");
  writeFileSync(
    join(dir, 'flood.js'),
    `const { existsSync } = require('node:fs');
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  for (let t = 0; !existsSync(${JSON.stringify(go)}) && t < 60000; t += 10) await wait(10);
  for (let i = 0; i < ${LINES}; i += 50) {
    let out = '';
    for (let j = i; j < i + 50; j++) out += '\\x1b[32mline ' + j + '\\x1b[0m\\n';
    process.stdout.write(out);
    await wait(10);
  }
})();
`,
  );
}

/** A watcher that leaves now and then and comes back with its last seq, as the web UI and the CLI do. */
class Watcher {
  readonly updates: DeploymentUpdate['data'][] = [];
  opens = 0;
  private lastSeq = 0;
  readonly ended: Promise<void>;
  private end!: () => void;

  constructor(
    private readonly server: AllInOne,
    private readonly deploymentId: string,
    private readonly leaveEvery: number,
  ) {
    this.ended = new Promise((done) => (this.end = done));
  }

  /** Resolves once the first event (the replay) has come. */
  open(): Promise<void> {
    const socket = connect(this.server);
    this.opens++;
    let received = 0;
    return new Promise((first) => {
      socket.on('connect', () => socket.emit('subscribe', { deploymentId: this.deploymentId, afterSeq: this.lastSeq }));
      socket.on('deployment_update', (u) => {
        this.updates.push(u.data);
        this.lastSeq = Math.max(this.lastSeq, u.data.seq);
        first();
        if (this.leaveEvery > 0 && ++received % this.leaveEvery === 0 && u.data.stage === 'building') {
          socket.close();
          void this.open();
        }
      });
      socket.on('deployment_complete', () => {
        socket.close();
        this.end();
      });
    });
  }

  lines(): string[] {
    return this.updates.flatMap((u) => u.logs).filter((l) => l.includes('line '));
  }
}

describe('live deployment logs', () => {
  const schema = uniqueSchema('e2e_live');
  let home: string;
  let sut: AllInOne;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-live-'));
    sut = await startAllInOne(
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SERVERGEM_HOME: home,
        PORT: '0',
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        AUTH_TOKEN: `${OWNER_TOKEN},${OTHER_TOKEN}`,
        SOCKETS_PER_ADDRESS: '200',
      },
      () => undefined,
    );
  }, 60_000);

  afterAll(async () => {
    await sut?.stop();
    await removeInstallation(home);
    await dropSchema(schema);
  });

  it('gives every watcher every line exactly once and in order, across reconnects, and no one else a line', async () => {
    const app = mkdtempSync(join(tmpdir(), 'servergem-flood-'));
    const go = `${app}.go`;
    floodingApp(app, go);
    const owner = { url: sut.url, token: OWNER_TOKEN };
    const driver = connect(owner);
    const deploymentId = await new Promise<string>((done) => {
      driver.on('message', (reply) => typeof reply.data.metadata.deploymentId === 'string' && done(reply.data.metadata.deploymentId));
      driver.emit('message', { type: 'message', message: `deploy ${app}`, context: { action: 'deploy', repoUrl: app } });
    });

    // Someone else's socket asking for it is refused and gets nothing.
    const stranger = connect({ url: sut.url, token: OTHER_TOKEN });
    const strangerSaw: unknown[] = [];
    stranger.on('deployment_update', (u) => strangerSaw.push(u));
    const refusal = await new Promise<string>((done) => {
      stranger.on('request_error', (e) => done(e.data.code));
      stranger.emit('subscribe', { deploymentId, afterSeq: 0 });
    });
    expect(refusal).toBe('NOT_FOUND');

    const watchers = Array.from({ length: WATCHERS }, (_, i) => new Watcher(sut, deploymentId, i % 3 === 0 ? 0 : 2 + (i % 3)));
    await Promise.all(watchers.map((w) => w.open()));
    writeFileSync(go, '');
    await Promise.all(watchers.map((w) => w.ended));
    driver.close();
    stranger.close();

    const expected = Array.from({ length: LINES }, (_, j) => `\x1b[32mline ${j}\x1b[0m`);
    for (const watcher of watchers) {
      expect(isGapFree(watcher.updates.map((u) => u.seq))).toBe(true);
      expect(watcher.lines()).toEqual(expected);
      expect(watcher.updates.every((u) => !Number.isNaN(Date.parse(u.at)))).toBe(true);
      expect(watcher.updates.at(-1)).toMatchObject({ stage: 'live' });
    }
    // Most of them left and came back mid-way, some many times.
    expect(watchers.filter((w) => w.opens > 2).length).toBeGreaterThanOrEqual(WATCHERS / 2);
    // Every event's time, in order.
    const times = watchers[0]!.updates.map((u) => Date.parse(u.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(strangerSaw).toEqual([]);
  }, 120_000);
});
