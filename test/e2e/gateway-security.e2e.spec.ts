import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { io } from 'socket.io-client';
import { dropSchema, uniqueSchema, TEST_DATABASE_URL } from '#testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const DATABASE_URL = TEST_DATABASE_URL;
const example = resolve(import.meta.dirname, '../../examples/node-hello');
const TOKEN_A = 'token-a-' + randomBytes(16).toString('hex');
const TOKEN_B = 'token-b-' + randomBytes(16).toString('hex');

function connectWith(url: string, options: { token?: string; origin?: string } = {}) {
  return io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: options.token ? { token: options.token } : {},
    extraHeaders: options.origin ? { origin: options.origin } : {},
  });
}

function outcome(socket: ReturnType<typeof connectWith>): Promise<'connected' | string> {
  return new Promise((done) => {
    socket.on('connect', () => done('connected'));
    socket.on('connect_error', (error) => done(error.message));
  });
}

describe('gateway: Socket.IO and REST refuse what they must', () => {
  const schema = uniqueSchema();
  let sut: AllInOne;
  let home: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-sec-'));
    sut = await startAllInOne(
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SERVERGEM_HOME: home,
        PORT: '0',
        DATABASE_URL,
        DATABASE_SCHEMA: schema,
        AUTH_TOKEN: `${TOKEN_A},${TOKEN_B}`,
      },
      () => undefined,
    );
  });

  afterAll(async () => {
    await sut?.stop();
    // Deployed apps outlive ServerGem on purpose; the test stops the ones it started.
    await removeInstallation(home);
    await dropSchema(schema);
  });

  it('takes the configured tokens instead of an install token, and prints none of them', async () => {
    expect(existsSync(join(home, 'access-token'))).toBe(false);
    expect(sut.loginUrl).toBeNull();
    expect(sut.token).toBe(TOKEN_A);
    expect((await fetch(`${sut.url}/api/deployments`, { headers: { authorization: `Bearer ${TOKEN_B}` } })).status).toBe(200);
    const refused = (await (await fetch(`${sut.url}/api/deployments`)).json()) as { code: string; hint: string };
    expect(refused).toMatchObject({ code: 'UNAUTHORIZED', hint: expect.stringContaining('AUTH_TOKEN') });
    expect(refused.hint).not.toContain(TOKEN_A);
  });

  it('refuses a socket without the token, or with a wrong one, at the handshake', async () => {
    const without = connectWith(sut.url);
    const wrong = connectWith(sut.url, { token: 'nope' });
    expect(await outcome(without)).toMatch(/unauthorized/);
    expect(await outcome(wrong)).toMatch(/unauthorized/);
    without.close();
    wrong.close();
  });

  it('refuses a page on another origin', async () => {
    const socket = connectWith(sut.url, { token: TOKEN_A, origin: 'https://evil.example' });
    expect(await outcome(socket)).not.toBe('connected');
    socket.close();
  });

  it('accepts the token', async () => {
    const socket = connectWith(sut.url, { token: TOKEN_A });
    expect(await outcome(socket)).toBe('connected');
    socket.close();
  });

  it('refuses REST calls without the token', async () => {
    expect((await fetch(`${sut.url}/api/deployments`)).status).toBe(401);
    expect((await fetch(`${sut.url}/api/deployments`, { headers: { authorization: `Bearer ${TOKEN_A}` } })).status).toBe(200);
  });

  it("keeps one owner's deployment from another, and never stores the GitHub token in clear", async () => {
    const githubToken = 'ghp_' + randomBytes(16).toString('hex');
    const a = connectWith(sut.url, { token: TOKEN_A });
    const deploymentId = await new Promise<string>((done) => {
      a.on('message', (m) => typeof m.data.metadata.deploymentId === 'string' && done(m.data.metadata.deploymentId));
      a.emit('message', { type: 'message', message: 'deploy', context: { action: 'deploy', repoUrl: example, githubToken }, clientMessageId: 'sec-1' });
    });
    await new Promise<void>((done) => a.on('deployment_complete', () => done()));
    a.close();

    const b = connectWith(sut.url, { token: TOKEN_B });
    const refused = await new Promise<{ code: string }>((done) => {
      b.on('request_error', (e) => done(e.data));
      b.emit('subscribe', { deploymentId, afterSeq: 0 });
    });
    b.close();
    expect(refused.code).toBe('NOT_FOUND');
    const rest = await fetch(`${sut.url}/api/deployments/${deploymentId}`, { headers: { authorization: `Bearer ${TOKEN_B}` } });
    expect(rest.status).toBe(404);

    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    const dump = await client.query(
      `SELECT (SELECT json_agg(d) FROM ${schema}.deployments d)::text || (SELECT json_agg(e) FROM ${schema}.deployment_events e)::text || (SELECT json_agg(m) FROM ${schema}.chat_messages m)::text AS all`,
    );
    await client.end();
    expect(dump.rows[0].all).not.toContain(githubToken);
  });

  it('drops a message over 1 MB and stays up', async () => {
    const socket = connectWith(sut.url, { token: TOKEN_A });
    await outcome(socket);
    const closed = new Promise<string>((done) => socket.on('disconnect', (reason) => done(reason)));
    socket.emit('message', { type: 'message', message: 'x'.repeat(2_000_000) });
    expect(await closed).toBeTruthy();
    expect((await fetch(`${sut.url}/health`)).status).toBe(200);
  });

  it('rate-limits a flood from one socket and stays up', async () => {
    const socket = connectWith(sut.url, { token: TOKEN_A });
    await outcome(socket);
    const codes: string[] = [];
    socket.on('request_error', (e) => codes.push(e.data.code));
    for (let i = 0; i < 200; i++) socket.emit('subscribe', { deploymentId: 'not-a-uuid', afterSeq: 0 });
    await new Promise((r) => setTimeout(r, 1000));
    socket.close();
    expect(codes).toContain('RATE_LIMITED');
    expect(codes).toContain('VALIDATION_FAILED');
    expect((await fetch(`${sut.url}/health`)).status).toBe(200);
  });
});
