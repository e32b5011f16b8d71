import { readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { io } from 'socket.io-client';
import type { ServiceSummary } from '#contracts';
import { apiFetch, apiJson, connect, deployOverSocket, dropSchema, uniqueSchema, TEST_DATABASE_URL, type TestSocket } from '#testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const example = resolve(import.meta.dirname, '../../examples/node-hello');

interface RawResponse {
  status: number;
  body: string;
}

/** An HTTP request with the headers a browser page (or an attacker's) would send, Host included. */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A socket as a page would open it: any Host and Origin, the token or none. */
function socketWith(url: string, options: { token?: string; host?: string; origin?: string } = {}): TestSocket {
  const headers: Record<string, string> = {};
  if (options.host) headers.host = options.host;
  if (options.origin) headers.origin = options.origin;
  return io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: options.token ? { token: options.token } : {},
    extraHeaders: headers,
  });
}

function outcome(socket: TestSocket): Promise<{ connected: true } | { connected: false; message: string; data?: { code?: string; hint?: string } }> {
  return new Promise((done) => {
    socket.on('connect', () => done({ connected: true }));
    socket.on('connect_error', (error: Error & { data?: { code?: string; hint?: string } }) =>
      done({ connected: false, message: error.message, data: error.data }),
    );
  });
}

describe('the front door of the default all-in-one server (loopback, no AUTH_TOKEN)', () => {
  const schema = uniqueSchema();
  let sut: AllInOne;
  let home: string;
  let port: string;
  let service: string;

  const running = async () => (await apiJson<{ services: ServiceSummary[] }>(sut, '/api/services')).services.find((s) => s.name === service);

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-door-'));
    sut = await startAllInOne(
      { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
      () => undefined,
    );
    port = new URL(sut.url).port;
    const deployed = await deployOverSocket(sut, { repoUrl: example });
    expect(deployed.error).toBeUndefined();
    service = deployed.complete!.service_name;
  });

  afterAll(async () => {
    await sut?.stop();
    // Deployed apps outlive ServerGem on purpose; the test stops the ones it started.
    await removeInstallation(home);
    await dropSchema(schema);
  });

  it('makes a per-install token on first start, in a file only its owner can read, and gives the login link', () => {
    const file = join(home, 'access-token');
    expect(readFileSync(file, 'utf8').trim()).toBe(sut.token);
    expect(sut.token.length).toBeGreaterThanOrEqual(43);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(sut.loginUrl).toBe(`${sut.url}/?token=${sut.token}`);
  });

  it("keeps what the install's own token makes owned by `local`, as everything was before tokens", async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    const { rows } = await client.query<{ owner: string }>(`SELECT DISTINCT owner FROM ${schema}.deployments`);
    await client.end();
    expect(rows).toEqual([{ owner: 'local' }]);
    expect((await apiJson<{ deployments: unknown[] }>(sut, '/api/deployments')).deployments).toHaveLength(1);
  });

  it('refuses REST without the token, saying where the token is and how to send it', async () => {
    for (const path of ['/api/deployments', '/api/services', '/stats']) {
      const response = await fetch(`${sut.url}${path}`);
      expect(response.status).toBe(401);
      const body = (await response.json()) as { code: string; hint: string };
      expect(body.code).toBe('UNAUTHORIZED');
      expect(body.hint).toContain(join(home, 'access-token'));
      expect(body.hint).toMatch(/Authorization: Bearer/);
    }
    expect((await fetch(`${sut.url}/api/deployments`, { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401);
    expect((await apiFetch(sut, '/api/deployments')).status).toBe(200);
  });

  it('keeps /health open and /ready to a verdict without the token; the details need it', async () => {
    expect(await (await fetch(`${sut.url}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${sut.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect(await apiJson(sut, '/ready')).toEqual({ status: 'ready', transport: 'up', database: 'up' });
  });

  it('refuses a socket without the token at the handshake, with where to find it', async () => {
    for (const token of [undefined, 'not-the-token']) {
      const socket = socketWith(sut.url, { token });
      const result = await outcome(socket);
      socket.close();
      expect(result).toMatchObject({ connected: false, message: expect.stringMatching(/^unauthorized/), data: { code: 'UNAUTHORIZED' } });
      expect((result as { data: { hint: string } }).data.hint).toContain(join(home, 'access-token'));
    }
    const socket = connect(sut);
    expect(await outcome(socket)).toEqual({ connected: true });
    socket.close();
  });

  it.each([
    ['text/plain', 'stop'],
    ['text/plain', 'rollback'],
    ['application/x-www-form-urlencoded', 'stop'],
    ['application/x-www-form-urlencoded', 'rollback'],
    ['multipart/form-data; boundary=x', 'stop'],
  ])('refuses a cross-site %s POST to /%s with 403, and the service keeps running', async (type, action) => {
    const body = type.startsWith('multipart')
      ? '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n'
      : type === 'text/plain'
        ? '{"revision":"x"}'
        : 'revision=x';
    const response = await raw(`${sut.url}/api/services/${service}/${action}`, {
      method: 'POST',
      // Even holding the token (which no other site can), a page elsewhere gets nowhere.
      headers: { origin: 'https://evil.example', 'content-type': type, authorization: `Bearer ${sut.token}` },
      body,
    });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('evil.example'),
      hint: expect.stringContaining('ALLOWED_ORIGINS'),
    });
    expect(await running()).toMatchObject({ status: 'running' });
  });

  it('refuses a change that is not JSON even with no Origin (415), and takes it as JSON', async () => {
    const plain = await raw(`${sut.url}/api/services/${service}/rollback`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${sut.token}` },
      body: '{}',
    });
    expect(plain.status).toBe(415);
    expect(JSON.parse(plain.body)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', hint: expect.stringContaining('application/json') });
    expect(await running()).toMatchObject({ status: 'running' });
    // The same server's own page may; without the token it is still refused, by the token check.
    const sameOrigin = await raw(`${sut.url}/api/services/${service}/revisions`, { headers: { origin: sut.url } });
    expect(sameOrigin.status).toBe(401);
  });

  it('refuses a rebinding Host on REST with 421, even with the Origin to match, and changes nothing', async () => {
    const evil = `evil.example:${port}`;
    const headers = { host: evil, origin: `http://${evil}`, authorization: `Bearer ${sut.token}` };
    for (const path of ['/api/deployments', '/', '/health', '/ready']) {
      const response = await raw(`${sut.url}${path}`, { headers });
      expect(response.status).toBe(421);
      expect(JSON.parse(response.body)).toMatchObject({
        code: 'MISDIRECTED_REQUEST',
        hint: expect.stringMatching(`http://127\\.0\\.0\\.1:${port} [\\s\\S]*ALLOWED_HOSTS`),
      });
    }
    const stop = await raw(`${sut.url}/api/services/${service}/stop`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(stop.status).toBe(421);
    expect(await running()).toMatchObject({ status: 'running' });
    for (const host of [`127.0.0.1.nip.io:${port}`, `localhost.evil.example:${port}`]) {
      expect((await raw(`${sut.url}/api/deployments`, { headers: { host, authorization: `Bearer ${sut.token}` } })).status).toBe(421);
    }
    expect((await raw(`${sut.url}/api/deployments`, { headers: { host: `localhost:${port}`, authorization: `Bearer ${sut.token}` } })).status).toBe(200);
  });

  it('refuses a socket on a rebinding Host, or from a page on another origin, even with the token', async () => {
    const evil = `evil.example:${port}`;
    for (const options of [
      { host: evil, origin: `http://${evil}` },
      { host: evil },
      { origin: 'https://evil.example' },
      { origin: `http://localhost:${Number(port) + 1}` },
    ]) {
      const socket = socketWith(sut.url, { token: sut.token, ...options });
      expect(await outcome(socket)).toMatchObject({ connected: false });
      socket.close();
    }
    // The handshake's answer says why (a browser hides it; a program or the log shows it).
    const polling = await raw(`${sut.url}/socket.io/?EIO=4&transport=polling`, { headers: { host: evil, origin: `http://${evil}` } });
    expect(polling.status).toBe(403);
    expect(JSON.parse(polling.body).message).toMatch(/does not answer to the host name "evil\.example/);
    const foreign = await raw(`${sut.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example' } });
    expect(JSON.parse(foreign.body).message).toMatch(/page at "https:\/\/evil\.example" are refused/);
    // The server's own page, on either loopback name, may.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const socket = socketWith(sut.url, { token: sut.token, host, origin: `http://${host}` });
      expect(await outcome(socket)).toEqual({ connected: true });
      socket.close();
    }
  });

  it('refuses the 33rd socket from one address, with the reason, and has room again once one closes', async () => {
    const connections = async () => (await apiJson<{ connections: number }>(sut, '/stats')).connections;
    const until = async (condition: () => Promise<boolean>) => {
      while (!(await condition())) await new Promise((r) => setTimeout(r, 25));
    };
    await until(async () => (await connections()) === 0);
    // All at once: the cap must hold under a burst, not only one by one.
    const sockets = Array.from({ length: 40 }, () => connect(sut));
    const results = await Promise.all(sockets.map(outcome));
    expect(results.filter((r) => r.connected)).toHaveLength(32);
    expect(await connections()).toBe(32);
    const reason = await raw(`${sut.url}/socket.io/?EIO=4&transport=polling`);
    expect(reason.status).toBe(403);
    expect(JSON.parse(reason.body).message).toMatch(/Too many sockets from 127\.0\.0\.1: at most 32[\s\S]*SOCKETS_PER_ADDRESS/);

    sockets.find((s) => s.connected)!.close();
    await until(async () => (await connections()) === 31);
    const again = connect(sut);
    expect(await outcome(again)).toEqual({ connected: true });
    const over = connect(sut);
    expect(await outcome(over)).toMatchObject({ connected: false });
    for (const socket of [...sockets, again, over]) socket.close();
    await until(async () => (await connections()) === 0);
    const after = connect(sut);
    expect(await outcome(after)).toEqual({ connected: true });
    after.close();
  });
});

describe('the front door refuses to open on unsafe settings', () => {
  const base = () => ({ PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: mkdtempSync(join(tmpdir(), 'servergem-door-bad-')), PORT: '0' });

  it('refuses an AUTH_TOKEN shorter than 32 characters, and says how to make one', async () => {
    for (const AUTH_TOKEN of ['1', 'short-token', `${'x'.repeat(40)},tiny`]) {
      const env = base();
      await expect(startAllInOne({ ...env, AUTH_TOKEN }, () => undefined)).rejects.toThrow(
        /AUTH_TOKEN[\s\S]*at least 32 characters[\s\S]*openssl rand -hex 24/,
      );
      rmSync(env.SERVERGEM_HOME, { recursive: true, force: true });
    }
  });

  it('does not take a name like 127.0.0.1.nip.io for loopback: without a token it will not listen there', async () => {
    for (const HOST of ['127.0.0.1.nip.io', '127.evil.example', '0.0.0.0']) {
      const env = base();
      await expect(startAllInOne({ ...env, HOST }, () => undefined)).rejects.toThrow(/refuses to listen on .* without an access token[\s\S]*AUTH_TOKEN/);
      rmSync(env.SERVERGEM_HOME, { recursive: true, force: true });
    }
  });
});
