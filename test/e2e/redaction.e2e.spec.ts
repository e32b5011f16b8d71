import { randomBytes } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFetch, deleteNamespaceStreams, deployOverSocket, tempApps, type DeployTranscript } from '#testing';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';
import { removeInstallation } from './stop-local-apps.js';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
// A namespace of its own, so no other installation on this NATS server answers this one's requests.
const NAMESPACE = `redaction-${randomBytes(4).toString('hex')}`;

// A GitHub-style token with characters URLs escape, so its URL-encoded form differs from it.
const alnum = (n: number) => Array.from(randomBytes(n), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[b % 62]).join('');
const TOKEN = `ghp_${alnum(24)}/${alnum(6)}+${alnum(5)}=`;
const b64 = (text: string) => Buffer.from(text).toString('base64');
const b64url = (text: string) => Buffer.from(text).toString('base64url');

/** Every form the build prints, by the label it prints it under. */
const FORMS: Record<string, string> = {
  plain: TOKEN,
  base64: b64(TOKEN),
  'base64-newline': b64(`${TOKEN}\n`),
  base64url: b64url(TOKEN),
  'base64url-newline': b64url(`${TOKEN}\n`),
  'basic-git': b64(`git:${TOKEN}`),
  'basic-x-access-token': b64(`x-access-token:${TOKEN}`),
  'basic-oauth2-newline': b64(`oauth2:${TOKEN}\n`),
  'basic-ab': b64(`ab:${TOKEN}`),
  'url-encoded': encodeURIComponent(TOKEN),
  hex: Buffer.from(TOKEN).toString('hex'),
  HEX: Buffer.from(TOKEN).toString('hex').toUpperCase(),
};
/** Base64 wrapped over lines, as `base64 -w 32` prints it: each line after the first holds part of the token. */
const WRAPPED = b64(`user.name@example.com:${TOKEN}`).match(/.{1,32}/g)!;
/** What must appear nowhere: each form, and the inside of each encoded form (a partial redaction leaves it). */
const NEEDLES = [...new Set([...Object.values(FORMS), ...WRAPPED.slice(1)].flatMap((form) => (form === TOKEN ? [form] : [form, form.slice(4, -4)])))];

// The build script holds the token only as shifted character codes, so the source (and the release
// folder it is copied to) never contains it; it prints every form — two through a real shell,
// as a build would — then fails.
const LEAK_JS = `
const { execFileSync } = require('node:child_process');
const T = [${[...TOKEN].map((c) => c.charCodeAt(0) + 1).join(',')}].map((c) => String.fromCharCode(c - 1)).join('');
const b64 = (s) => Buffer.from(s).toString('base64');
const b64url = (s) => Buffer.from(s).toString('base64url');
const sh = (script) => execFileSync('sh', ['-c', script], { env: { PATH: process.env.PATH, T }, encoding: 'utf8' }).trim();
const forms = {
  plain: T,
  base64: b64(T),
  'base64-newline': sh('echo "$T" | base64'),
  base64url: b64url(T),
  'base64url-newline': b64url(T + '\\n'),
  'basic-git': sh("printf 'git:%s' \\"$T\\" | base64"),
  'basic-x-access-token': b64('x-access-token:' + T),
  'basic-oauth2-newline': b64('oauth2:' + T + '\\n'),
  'basic-ab': b64('ab:' + T),
  'url-encoded': encodeURIComponent(T),
  hex: Buffer.from(T).toString('hex'),
  HEX: Buffer.from(T).toString('hex').toUpperCase(),
};
for (const [label, value] of Object.entries(forms)) console.log('leak: ' + label + ' ' + value);
for (const line of sh("printf 'user.name@example.com:%s' \\"$T\\" | base64 -w 32").split('\\n')) console.log('leak: wrapped ' + line);
console.error('leak: stderr Authorization: Basic ' + b64('x-access-token:' + T));
console.log('leak: nul \\0 ' + T);
console.log('npm ERR! the build failed on purpose');
process.exit(1);
`;

function findIn(text: string): string[] {
  return NEEDLES.filter((needle) => text.includes(needle));
}

/** Every file under a folder, read as bytes; sockets and pipes are skipped. */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile() && lstatSync(path).size > 0) out.push({ path, bytes: readFileSync(path) });
  }
  return out;
}

describe('redaction: a build that prints the GitHub token in every encoding and fails leaves no trace of it', () => {
  const apps = tempApps('servergem-leaky-');
  let home: string;
  /** As root, the database cluster and the releases live in a folder of their own outside the home. */
  let shared: string;
  let sut: AllInOne | undefined;
  let nats: NatsConnection;
  let transcript: DeployTranscript;
  let rest = '';
  const databaseRows: string[] = [];
  const natsPayloads: string[] = [];
  const serverLog: string[] = [];
  const restoreOutput: (() => void)[] = [];

  /** Everything ServerGem itself prints (Nest's loggers write to stdout and stderr) is recorded. */
  function captureOutput(): void {
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        serverLog.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      restoreOutput.push(() => (stream.write = write));
    }
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-redaction-'));
    const app = apps.app({
      'package.json': JSON.stringify({ name: 'leaky-build', private: true, scripts: { build: 'node leak.js', start: 'node server.js' } }),
      'leak.js': LEAK_JS,
      'server.js': "require('node:http').createServer((_q, s) => s.end('ok')).listen(process.env.PORT);",
    });
    // A raw subscriber on every subject (not only the namespace's) records every payload, replies included.
    nats = await connectNats({ servers: NATS_URL });
    const subscription = nats.subscribe('>');
    void (async () => {
      for await (const message of subscription) natsPayloads.push(`${message.subject} ${message.string()}`);
    })();
    await nats.flush();
    captureOutput();
    // NATS between the services and the embedded PostgreSQL, whose files are under the data folder too.
    sut = await startAllInOne(
      { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', NATS_URL, SERVERGEM_NAMESPACE: NAMESPACE },
      (line) => serverLog.push(`${line}\n`),
    );
    shared = sut.sharedDir;
    transcript = await deployOverSocket(sut, { repoUrl: app, githubToken: TOKEN });
    const id = transcript.deploymentId;
    rest = [await (await apiFetch(sut, `/api/deployments/${id}`)).text(), await (await apiFetch(sut, '/api/deployments')).text()].join('\n');

    const client = new pg.Client({ connectionString: sut.databaseUrl });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
      for (const { table_name } of tables.rows) {
        const rows = await client.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
        databaseRows.push(...rows.rows.map((r) => `${table_name} ${r.row}`));
      }
      // Everything written so far reaches the data files, not only the write-ahead log.
      await client.query('CHECKPOINT');
    } finally {
      await client.end();
    }
    await nats.flush();
    // Stopping writes what PostgreSQL still held in memory; the data folder is read after.
    await sut.stop();
    sut = undefined;
  }, 180_000);

  afterAll(async () => {
    for (const restore of restoreOutput.splice(0)) restore();
    await sut?.stop();
    await nats?.close();
    apps.cleanup();
    await removeInstallation(home);
    await deleteNamespaceStreams(NATS_URL, NAMESPACE);
  });

  it('fails the build, and every form the build printed reached the log redacted', () => {
    expect(transcript.error).toMatchObject({ code: 'BUILD_FAILED', stage: 'building' });
    const lines = transcript.updates.flatMap((u) => u.logs);
    for (const label of Object.keys(FORMS)) expect(lines).toContain(`leak: ${label} [redacted]`);
    expect(lines).toContain('leak: stderr Authorization: Basic [redacted]');
    // The first wrapped line holds the user name and two characters of the token; every other one goes.
    expect(new Set(lines.filter((l) => l.startsWith('leak: wrapped')))).toEqual(new Set([`leak: wrapped ${WRAPPED[0]}`, 'leak: wrapped [redacted]']));
    expect(lines).toContain('leak: nul \uFFFD [redacted]');
  });

  it('in no socket event the client got', () => {
    expect(transcript.updates.length).toBeGreaterThan(0);
    expect(findIn(JSON.stringify(transcript))).toEqual([]);
  });

  it('in no REST answer', () => {
    expect(rest).toContain('leak: plain [redacted]');
    expect(findIn(rest)).toEqual([]);
  });

  it('in no line the server logged', () => {
    const log = serverLog.join('');
    expect(log).toMatch(new RegExp(`Deployment ${transcript.deploymentId} failed at building: BUILD_FAILED`));
    expect(findIn(log)).toEqual([]);
  });

  it('in no NATS payload', () => {
    expect(natsPayloads.some((p) => p.startsWith(`${NAMESPACE}.orchestrator.progress.v1`) && p.includes('leak: hex [redacted]'))).toBe(true);
    expect(natsPayloads.some((p) => p.startsWith(`${NAMESPACE}.gateway.deployment-event`) && p.includes('BUILD_FAILED'))).toBe(true);
    expect(natsPayloads.filter((p) => findIn(p).length > 0)).toEqual([]);
  });

  it('in no database row, and the sealed token is gone from the deployment', () => {
    expect(databaseRows.some((r) => r.startsWith('deployment_events') && r.includes('leak: HEX [redacted]'))).toBe(true);
    expect(databaseRows.some((r) => r.startsWith('chat_messages'))).toBe(true);
    expect(databaseRows.filter((r) => findIn(r).length > 0)).toEqual([]);
    expect(databaseRows.filter((r) => r.startsWith('deployments')).every((r) => r.includes('"sealed_token":null'))).toBe(true);
  });

  it('in no file under the data folder, the database’s own files and the release folder included', () => {
    const files = [...new Set([home, shared])].flatMap(filesUnder);
    expect(files.some((f) => f.path.endsWith('leak.js'))).toBe(true);
    expect(files.some((f) => f.path.includes(join('postgres', 'base')))).toBe(true);
    const found = files.flatMap((f) => NEEDLES.filter((needle) => f.bytes.includes(needle)).map((needle) => `${f.path}: ${needle}`));
    expect(found).toEqual([]);
  });
});
