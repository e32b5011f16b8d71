import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFetch, connect, dropSchema, TEST_DATABASE_URL, uniqueSchema, type TestSocket } from '#testing';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const example = resolve(import.meta.dirname, '../../examples/node-hello');

type Answer = { event: 'request_error'; code: string; message: string } | { event: 'message'; content: string };

/** Sends one event and waits for what the server answers: a refusal or a chat reply. */
function ask(socket: TestSocket, event: 'message' | 'subscribe' | 'github_repos' | 'github_branches', payload: unknown): Promise<Answer> {
  return new Promise((done) => {
    const finish = (answer: Answer) => {
      socket.off('request_error');
      socket.off('message');
      done(answer);
    };
    socket.on('request_error', (e) => finish({ event: 'request_error', code: e.data.code, message: e.data.message }));
    socket.on('message', (m) => finish({ event: 'message', content: m.data.content }));
    socket.emit(event as 'message', payload as never);
  });
}

describe('boundary validation: NUL and control characters are refused before anything runs or is stored', () => {
  const schema = uniqueSchema();
  let sut: AllInOne;
  let home: string;
  let socket: TestSocket;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-validation-'));
    sut = await startAllInOne(
      { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
      () => undefined,
    );
    socket = connect(sut);
  });

  afterAll(async () => {
    socket?.close();
    await sut?.stop();
    await removeInstallation(home);
    await dropSchema(schema);
  });

  async function deploymentRows(): Promise<number> {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.deployments`);
      return Number(rows[0]!.n);
    } finally {
      await client.end();
    }
  }

  const deploy = (context: Record<string, string>, extra: Record<string, unknown> = {}) => ({
    type: 'message',
    message: `deploy ${example}`,
    context: { action: 'deploy', repoUrl: example, ...context },
    ...extra,
  });

  it.each([
    ['context.repoUrl', deploy({ repoUrl: `${example}\0` })],
    ['context.repoUrl', deploy({ repoUrl: `${example}\n/etc` })],
    ['context.branch', deploy({ branch: 'main\0' })],
    ['context.appPath', deploy({ appPath: 'web\u0007' })],
    ['context.githubToken', deploy({ githubToken: 'ghp_abc\0def' })],
    ['clientMessageId', deploy({}, { clientMessageId: 'id\0' })],
    ['message', { type: 'message', message: `deploy ${example}\0` }],
    ['message', { type: 'message', message: 'hello \u001b[2J there' }],
  ])('a socket `message` with a control character in %s gets VALIDATION_FAILED naming it, and nothing is stored', async (field, payload) => {
    const answer = await ask(socket, 'message', payload);
    expect(answer).toMatchObject({ event: 'request_error', code: 'VALIDATION_FAILED' });
    expect(answer.event === 'request_error' && answer.message).toContain(`${field}: must be`);
    expect(await deploymentRows()).toBe(0);
  });

  it('a chat message over several lines is ordinary text', async () => {
    const answer = await ask(socket, 'message', { type: 'message', message: 'hello\r\n\tthere\n' });
    expect(answer.event).toBe('message');
  });

  it.each([
    ['subscribe', { deploymentId: `${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(11)}\0`, afterSeq: 0 }, 'deploymentId'],
    ['github_repos', { githubToken: 'ghp_x\0y' }, 'githubToken'],
    ['github_repos', { githubToken: 'ghp_xy', query: 'shop\0' }, 'query'],
    ['github_branches', { repo: 'acme/shop\0' }, 'repo'],
  ] as const)('a socket `%s` with a NUL gets VALIDATION_FAILED naming the field', async (event, payload, field) => {
    const answer = await ask(socket, event, payload);
    expect(answer).toMatchObject({ event: 'request_error', code: 'VALIDATION_FAILED' });
    expect(answer.event === 'request_error' && answer.message).toContain(`${field}:`);
  });

  it.each([
    ['GET', '/api/deployments/00000000-0000-4000-8000-000000000000%00', undefined, 'id:'],
    ['GET', '/api/deployments?limit=5%00', undefined, 'limit:'],
    ['GET', '/api/services/web%00/revisions', undefined, 'name:'],
    ['GET', '/api/services/web/logs?tail=%00', undefined, 'tail:'],
    ['POST', '/api/services/web/rollback', { revision: 'r\u0000' }, 'revision:'],
    ['POST', '/api/services/web/rollback', { revision: 'r\nx' }, 'revision:'],
  ])('REST %s %s is a 400 VALIDATION_FAILED naming the field', async (method, path, body, field) => {
    const response = await apiFetch(sut, path, { method, body });
    expect(response.status).toBe(400);
    const error = (await response.json()) as { code: string; message: string };
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain(field);
  });

  it('stays up and has stored nothing', async () => {
    expect((await fetch(`${sut.url}/health`)).status).toBe(200);
    expect(await deploymentRows()).toBe(0);
  });
});
