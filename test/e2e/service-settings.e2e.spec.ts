import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentEvent, DeploymentSummary, OwnedService, ServerMessage, ServiceSettingsView } from '#contracts';
import { apiFetch, apiJson, connect, dropSchema, getText, TEST_DATABASE_URL, uniqueSchema, runCli } from '#testing';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const root = resolve(import.meta.dirname, '../..');
const example = join(root, 'examples/needs-api-key');
/** The secret whose clear value must appear nowhere. */
const SECRET = `whsec-${randomBytes(18).toString('hex')}`;
const sha16 = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 16);

/** Every file under a folder, as bytes (a secret in clear is found whatever the file is). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile() && statSync(path).size < 50_000_000) out.push(path);
  }
  return out;
}

describe('service settings and secrets: MISSING_ENV, --env, env set of runtime values without a rebuild, nothing in clear', { timeout: 120_000 }, () => {
  const schema = uniqueSchema();
  let home: string;
  let sut: AllInOne;
  const serverLog: string[] = [];
  const server = () => ({ url: sut.url, token: sut.token });
  let url: string;

  const servergem = (args: string[]) => runCli(root, [...args, '--server', sut.url], { env: { SERVERGEM_TOKEN: sut.token } });

  const deployments = async () => (await apiJson<{ deployments: DeploymentSummary[] }>(server(), '/api/deployments?limit=200')).deployments;
  const eventsOf = async (id: string) => (await apiJson<{ events: DeploymentEvent[] }>(server(), `/api/deployments/${id}`)).events;
  const answer = async () => JSON.parse((await getText(url)).body) as { greeting: string; apiKeySha256: string; webhookSecretSha256: string | null };

  // What the server process itself writes goes to the "server log" too.
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  beforeAll(async () => {
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => (serverLog.push(String(chunk)), write.out(chunk, ...rest))) as never;
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => (serverLog.push(String(chunk)), write.err(chunk, ...rest))) as never;
    home = mkdtempSync(join(tmpdir(), 'servergem-settings-'));
    sut = await startAllInOne(
      { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
      (line) => serverLog.push(line),
    );
  });

  afterAll(async () => {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    await sut?.stop();
    await removeInstallation(home);
    await dropSchema(schema);
  });

  it('refuses an app that reads API_KEY with no default, before building, with MISSING_ENV and the command to set it', async () => {
    const result = await servergem(['deploy', example]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('(MISSING_ENV)');
    expect(result.stderr).toContain('API_KEY (server.js:8)');
    expect(result.stderr).toContain(`servergem deploy ${example} --secret API_KEY=<value>`);
    expect(result.stderr).toContain('servergem env set needs-api-key --secret API_KEY=<value>');
    // GREETING has a default: not a reason to stop. Nothing was generated or built.
    expect(result.stderr).not.toContain('GREETING');
    expect(result.stdout).not.toMatch(/▸ (generating|building)/);
    const [failed] = await deployments();
    expect(failed).toMatchObject({ status: 'failed', stage: 'failed', error: { code: 'MISSING_ENV' } });
    const { services } = await apiJson<{ services: OwnedService[] }>(server(), '/api/services');
    expect(services).toEqual([expect.objectContaining({ name: 'needs-api-key', state: 'failed', revision: null })]);
  });

  it('deploys with --env, --env-file and --secret, and the app answers with them', async () => {
    const envFile = join(home, 'app.env');
    writeFileSync(envFile, '# from a file\nGREETING="Howdy"\nAPI_KEY=overridden-by-flag\n');
    const result = await servergem(['deploy', example, '--env-file', envFile, '--env', 'API_KEY=first-key', '--secret', `WEBHOOK_SECRET=${SECRET}`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Settings version 1 of needs-api-key');
    url = result.stdout.trim().split('\n').at(-1)!;
    expect(await answer()).toEqual({ greeting: 'Howdy', apiKeySha256: sha16('first-key'), webhookSecretSha256: sha16(SECRET), path: '/' });

    const listed = await servergem(['env', 'list', 'needs-api-key', '--json']);
    const settings = JSON.parse(listed.stdout) as ServiceSettingsView;
    expect(settings).toMatchObject({ version: 1, env: { API_KEY: 'first-key', GREETING: 'Howdy' } });
    expect(settings.secrets).toEqual([{ name: 'WEBHOOK_SECRET', masked: `••••${SECRET.slice(-4)}` }]);
    expect((await servergem(['env', 'list', 'needs-api-key'])).stdout).toMatch(/WEBHOOK_SECRET\s+secret\s+••••/);
  });

  it('env set rolls out a new revision of the same build at the same URL, reported like a deployment', async () => {
    const before = (await deployments()).length;
    const result = await servergem(['env', 'set', 'needs-api-key', 'API_KEY=second-key']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('settings version 2 (API_KEY)');
    expect(result.stdout).toContain('▸ deploying');
    expect(result.stdout.trim().split('\n').at(-1)).toBe(url);
    expect(await answer()).toMatchObject({ apiKeySha256: sha16('second-key'), greeting: 'Howdy', webhookSecretSha256: sha16(SECRET) });

    const all = await deployments();
    expect(all).toHaveLength(before + 1);
    const events = await eventsOf(all[0]!.id);
    // No clone, no analysis, no build: the same artifact with other settings.
    expect(new Set(events.map((e) => e.stage))).toEqual(new Set(['queued', 'deploying', 'verifying', 'live']));
    expect(events.at(-1)!.message).toContain('settings version 2');
    const { revisions } = await apiJson<{ revisions: { revision: string; current: boolean; settingsVersion: number | null }[] }>(
      server(),
      '/api/services/needs-api-key/revisions',
    );
    expect(revisions.slice(0, 2).map((r) => [r.current, r.settingsVersion])).toEqual([
      [true, 2],
      [false, 1],
    ]);
  });

  it('env unset of a variable the app needs is refused with MISSING_ENV, and the running revision keeps serving', async () => {
    const result = await servergem(['env', 'unset', 'needs-api-key', 'API_KEY']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('(MISSING_ENV)');
    expect(await answer()).toMatchObject({ apiKeySha256: sha16('second-key') });
    expect((await servergem(['env', 'set', 'needs-api-key', 'API_KEY=third-key'])).code).toBe(0);
    expect(await answer()).toMatchObject({ apiKeySha256: sha16('third-key') });
  });

  it('refuses a bad settings value over REST, the CLI and the chat, and stores nothing', async () => {
    const version = async () => (await apiJson<{ settings: { version: number } }>(server(), '/api/services/needs-api-key/settings')).settings.version;
    const before = await version();
    for (const env of [{ GREETING: 'two\nlines' }, { GREETING: 'nul\u0000byte' }, { 'BAD NAME': 'x' }, { PORT: '1234' }, { GREETING: 'x'.repeat(40_000) }]) {
      const response = await apiFetch(server(), '/api/services/needs-api-key/env', { method: 'PUT', body: { env } });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
    }
    const huge = await apiFetch(server(), '/api/services/needs-api-key/env', { method: 'PUT', body: { env: { GREETING: 'x'.repeat(1_100_000) } } });
    expect(huge.status).toBe(413);
    const cli = await servergem(['env', 'set', 'needs-api-key', 'BAD NAME=x']);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/name/i);
    const socket = connect(server());
    const refused = await new Promise<{ code: string }>((done) => {
      socket.once('request_error', (e) => done(e.data));
      socket.once('message', () => done({ code: 'ANSWERED' }));
      socket.emit('message', { type: 'message', message: 'set GREETING=nul\u0000byte on needs-api-key' });
    });
    socket.close();
    expect(refused.code).toBe('VALIDATION_FAILED');
    expect(await version()).toBe(before);
    expect(await answer()).toMatchObject({ greeting: 'Howdy' });
  });

  it("the secret's clear value is nowhere: data folder, database, server log, REST and events", async () => {
    const found: string[] = [];
    for (const dir of [...new Set([home, sut.sharedDir])]) {
      for (const file of filesUnder(dir)) if (readFileSync(file).includes(SECRET)) found.push(file);
    }
    const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      for (const table of ['services', 'service_settings', 'deployments', 'deployment_events', 'chat_messages', 'chat_sessions']) {
        const { rows } = await db.query<{ text: string }>(`SELECT string_agg(t::text, ' ') AS text FROM "${schema}".${table} t`);
        if (rows[0]?.text?.includes(SECRET)) found.push(`table ${table}`);
      }
    } finally {
      await db.end();
    }
    if (serverLog.join('').includes(SECRET)) found.push('server log');
    const rest = ['/api/services', '/api/services/needs-api-key', '/api/services/needs-api-key/env', '/api/services/needs-api-key/settings'];
    rest.push('/api/services/needs-api-key/revisions', '/api/services/needs-api-key/logs', '/api/deployments?limit=200');
    for (const d of await deployments()) rest.push(`/api/deployments/${d.id}`);
    for (const path of rest) if (JSON.stringify(await apiJson(server(), path)).includes(SECRET)) found.push(path);
    expect(found).toEqual([]);
  });

  it('a secret the app prints is redacted from its deploy events and from its logs', async () => {
    const change = await apiJson<{ deploymentId: string }>(server(), '/api/services/needs-api-key/settings', {
      method: 'PATCH',
      // A line at start-up, then one every 200 ms for as long as the app runs.
      body: {
        startCommand: 'i=0; while sleep 0.2; do i=$((i+1)); echo "tick $i $WEBHOOK_SECRET"; done & echo "webhook secret is $WEBHOOK_SECRET" && node server.js',
      },
    });
    let events: DeploymentEvent[] = [];
    for (let i = 0; i < 300 && !events.some((e) => e.outcome); i++) {
      await new Promise((r) => setTimeout(r, 200));
      events = await eventsOf(change.deploymentId);
    }
    expect(events.at(-1)!.outcome).toMatchObject({ kind: 'complete', url });
    const printed = events.flatMap((e) => e.logs).filter((l) => l.includes('webhook secret is'));
    expect(printed).toEqual(['webhook secret is [redacted]']);
    const { lines } = await apiJson<{ lines: string[] }>(server(), '/api/services/needs-api-key/logs?tail=200');
    expect(lines).toContain('webhook secret is [redacted]');
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('what the app prints reaches app.log redacted, and it keeps logging while ServerGem is stopped and after it restarts', async () => {
    const appLog = join(home, 'runtime', 'needs-api-key', 'app.log');
    const ticks = () => [...readFileSync(appLog, 'utf8').matchAll(/^tick (\d+) (.*)$/gm)].map((m) => ({ n: Number(m[1]), rest: m[2] }));
    const lastTick = () => Math.max(0, ...ticks().map((t) => t.n));
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 300 && !done(); i++) await new Promise((r) => setTimeout(r, 100));
      expect(done()).toBe(true);
    };
    await until(() => lastTick() > 0);
    await sut.stop();
    const stoppedAt = lastTick();
    // No ServerGem at all: the app and its log writer carry on.
    await until(() => lastTick() > stoppedAt + 1);
    sut = await startAllInOne(
      { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
      (line) => serverLog.push(line),
    );
    const restartedAt = lastTick();
    await until(() => lastTick() > restartedAt + 1);
    expect(await answer()).toMatchObject({ webhookSecretSha256: sha16(SECRET) });

    const file = readFileSync(appLog, 'utf8');
    expect(file).toContain('webhook secret is [redacted]\n');
    expect(new Set(ticks().map((t) => t.rest))).toEqual(new Set(['[redacted]']));
    expect(file).not.toContain(SECRET);
    const { lines } = await apiJson<{ lines: string[] }>(server(), '/api/services/needs-api-key/logs?tail=20');
    expect(lines.some((l) => /^tick \d+ \[redacted\]$/.test(l) && Number(l.split(' ')[1]) > restartedAt)).toBe(true);
    const logs = await servergem(['logs', 'needs-api-key', '--tail', '20']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/tick \d+ \[redacted\]/);
    expect(logs.stdout).not.toContain(SECRET);
    for (const d of await deployments()) expect(JSON.stringify(await eventsOf(d.id))).not.toContain(SECRET);
    for (const dir of [...new Set([home, sut.sharedDir])]) {
      for (const path of filesUnder(dir)) expect(readFileSync(path).includes(SECRET), path).toBe(false);
    }
  });

  it('a build-time secret reaches the build commands only, and is redacted from the build log and stored nowhere in clear', async () => {
    const app = join(home, 'sources', 'build-secret-app');
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'build-secret-app', scripts: { build: 'node build.js', start: 'node server.js' } }));
    writeFileSync(
      join(app, 'build.js'),
      "const { createHash } = require('node:crypto');\n" +
        "const token = process.env.BUILD_TOKEN ?? '';\n" +
        "console.log('build token is ' + token);\n" +
        "require('node:fs').writeFileSync('built.json', JSON.stringify({ tokenSha256: token ? createHash('sha256').update(token).digest('hex').slice(0, 16) : null }));\n",
    );
    writeFileSync(
      join(app, 'server.js'),
      "const body = require('node:fs').readFileSync('built.json');\n" +
        "require('node:http').createServer((_req, res) => res.end(body)).listen(Number(process.env.PORT || 3000));\n",
    );
    const first = await servergem(['deploy', app]);
    expect(first.code).toBe(0);
    const appUrl = first.stdout.trim().split('\n').at(-1)!;
    expect(JSON.parse((await getText(appUrl)).body)).toEqual({ tokenSha256: null });

    const buildSecret = `npm_${randomBytes(18).toString('hex')}`;
    // A build-time value: the service is built again with it, and serves the new build.
    const set = await servergem(['env', 'set', 'build-secret-app', '--secret', '--build', `BUILD_TOKEN=${buildSecret}`]);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('build-time settings changed (BUILD_TOKEN), so it is rebuilt');
    expect(JSON.parse((await getText(appUrl)).body)).toEqual({ tokenSha256: sha16(buildSecret) });
    const listed = JSON.parse((await servergem(['env', 'list', 'build-secret-app', '--json'])).stdout) as ServiceSettingsView;
    expect(listed.buildSecrets).toEqual([{ name: 'BUILD_TOKEN', masked: `••••${buildSecret.slice(-4)}` }]);
    expect(listed).toMatchObject({ env: {}, buildEnv: {}, secrets: [] });
    const [latest] = await deployments();
    const lines = (await eventsOf(latest!.id)).flatMap((e) => e.logs);
    expect(lines).toContain('build token is [redacted]');
    const found: string[] = [];
    for (const dir of [...new Set([home, sut.sharedDir])]) for (const path of filesUnder(dir)) if (readFileSync(path).includes(buildSecret)) found.push(path);
    for (const d of await deployments()) if (JSON.stringify(await eventsOf(d.id)).includes(buildSecret)) found.push(`events of ${d.id}`);
    if (serverLog.join('').includes(buildSecret)) found.push('server log');
    expect(found).toEqual([]);
    expect((await servergem(['delete', 'build-secret-app'])).code).toBe(0);
  });

  it('the chat sets a variable through the same operation: a new revision at the same URL', async () => {
    const socket = connect({ url: sut.url, token: sut.token });
    try {
      const reply = await new Promise<ServerMessage>((done) => {
        socket.on('message', done);
        socket.emit('message', { type: 'message', message: 'set GREETING=Bonjour on needs-api-key', clientMessageId: randomUUID() });
      });
      expect(reply.data.metadata.intent).toMatchObject({ kind: 'set_env', service: 'needs-api-key', envNames: ['GREETING'] });
      expect(reply.data.content).toContain('Rolling out a new revision of the same build');
      const deploymentId = reply.data.metadata.deploymentId as string;
      const outcome = await new Promise<string>((done) => {
        socket.on('deployment_complete', (c) => c.data.deploymentId === deploymentId && done(c.data.url));
        socket.on('deployment_error', (e) => e.data.deploymentId === deploymentId && done(`error ${e.data.code}`));
      });
      expect(outcome).toBe(url);
      expect(await answer()).toMatchObject({ greeting: 'Bonjour', apiKeySha256: sha16('third-key') });
    } finally {
      socket.close();
    }
  });

  it('two env set at once: both exit 0 and neither change is lost', async () => {
    const [greeting, key] = await Promise.all([
      servergem(['env', 'set', 'needs-api-key', 'GREETING=Together']),
      servergem(['env', 'set', 'needs-api-key', 'API_KEY=fourth-key']),
    ]);
    expect([greeting.code, key.code, greeting.stderr, key.stderr]).toEqual([0, 0, '', '']);
    expect(await answer()).toMatchObject({ greeting: 'Together', apiKeySha256: sha16('fourth-key'), webhookSecretSha256: sha16(SECRET) });
    const { settings } = await apiJson<{ settings: ServiceSettingsView }>(server(), '/api/services/needs-api-key/settings');
    expect(settings.env).toMatchObject({ GREETING: 'Together', API_KEY: 'fourth-key' });
  });

  it('redeploy builds the same source again with the current settings; revisions lists them; delete removes the service', async () => {
    const redeployed = await servergem(['redeploy', 'needs-api-key']);
    expect(redeployed.stderr).toBe('');
    expect(redeployed.code).toBe(0);
    expect(redeployed.stdout).toContain('▸ building');
    expect(redeployed.stdout.trim().split('\n').at(-1)).toBe(url);
    expect(await answer()).toMatchObject({ greeting: 'Together', apiKeySha256: sha16('fourth-key'), webhookSecretSha256: sha16(SECRET) });

    const revisions = await servergem(['revisions', 'needs-api-key']);
    expect(revisions.code).toBe(0);
    expect(revisions.stdout.split('\n')[1]).toMatch(/^\*\s+[0-9a-f-]{36}\s+\S+\s+v\d+/);

    const deleted = await servergem(['delete', 'needs-api-key']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain('Deleted needs-api-key');
    expect((await apiJson<{ services: unknown[] }>(server(), '/api/services')).services).toEqual([]);
    const gone = await servergem(['env', 'list', 'needs-api-key']);
    expect(gone.stderr).toContain('NOT_FOUND');
    await expect(fetch(url)).rejects.toThrow();
  });
});
