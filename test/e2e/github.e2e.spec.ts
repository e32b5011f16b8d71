import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { ClientGithubBranches, ClientGithubRepos, RequestError, ServerGithubBranches, ServerGithubRepos } from '#contracts';
import { connect, FakeGithub, dropSchema, uniqueSchema, TEST_DATABASE_URL, type ServerUnderTest } from '#testing';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';
import { removeInstallation } from './stop-local-apps.js';

const DATABASE_URL = TEST_DATABASE_URL;
const TOKEN = 'ghp_' + randomBytes(18).toString('hex');

type Answer<T> = { ok: T } | { error: RequestError['data'] };

/** Sends one GitHub request over a fresh socket, as the repository selector does, and waits for its answer. */
function ask(server: ServerUnderTest, event: 'github_repos', payload: ClientGithubRepos): Promise<Answer<ServerGithubRepos>>;
function ask(server: ServerUnderTest, event: 'github_branches', payload: ClientGithubBranches): Promise<Answer<ServerGithubBranches>>;
async function ask(server: ServerUnderTest, event: string, payload: object): Promise<Answer<unknown>> {
  const socket: Socket = connect(server);
  try {
    return await new Promise((resolve, reject) => {
      socket.on('connect_error', reject);
      socket.on('request_error', (e: RequestError) => resolve({ error: e.data }));
      socket.on(event, (reply: unknown) => resolve({ ok: reply }));
      socket.emit(event, payload);
    });
  } finally {
    socket.close();
  }
}

describe('GitHub over Socket.IO: gateway -> analyzer -> GitHub API (a local fake)', () => {
  const schema = uniqueSchema();
  let fake: FakeGithub;
  let sut: AllInOne;
  let home: string;

  beforeAll(async () => {
    fake = await FakeGithub.start({
      token: TOKEN,
      repos: [
        {
          owner: 'octo',
          name: 'web',
          pushedAt: '2026-01-02T00:00:00Z',
          language: 'TypeScript',
          defaultBranch: 'trunk',
          branches: [{ name: 'trunk', sha: 'a'.repeat(40) }],
        },
        { owner: 'octo', name: 'api', pushedAt: '2026-01-01T00:00:00Z', language: 'Go', private: true },
      ],
    });
    home = mkdtempSync(join(tmpdir(), 'servergem-github-'));
    sut = await startAllInOne(
      { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', DATABASE_URL, DATABASE_SCHEMA: schema, GITHUB_API_URL: fake.url },
      () => undefined,
    );
  });

  afterAll(async () => {
    await sut?.stop();
    await fake?.stop();
    await removeInstallation(home);
    await dropSchema(schema);
  });

  it('answers github_repos with the repositories the token can see, newest push first', async () => {
    const answer = await ask(sut, 'github_repos', { githubToken: TOKEN });

    if (!('ok' in answer)) throw new Error(`github_repos was refused: ${answer.error.message}`);
    const { repos } = answer.ok.data;
    expect(repos.map((r) => r.fullName)).toEqual(['octo/web', 'octo/api']);
    expect(repos[1]).toMatchObject({ private: true, language: 'Go', htmlUrl: 'https://github.com/octo/api' });
    expect(fake.requests.at(-1)?.headers.authorization).toBe(`token ${TOKEN}`);
  });

  it('answers github_branches with the default branch', async () => {
    const answer = await ask(sut, 'github_branches', { repo: 'octo/web' });

    expect(answer).toEqual({
      ok: { type: 'github_branches', data: { repo: 'octo/web', defaultBranch: 'trunk', branches: [{ name: 'trunk', sha: 'a'.repeat(40) }] } },
    });
  });

  it('refuses a bad token with a request_error that does not repeat the token', async () => {
    const badToken = 'ghp_' + randomBytes(18).toString('hex');

    const answer = await ask(sut, 'github_repos', { githubToken: badToken, query: 'web' });

    expect(answer).toMatchObject({ error: { event: 'github_repos', code: 'FORBIDDEN' } });
    expect(JSON.stringify(answer)).not.toContain(badToken);
    expect(JSON.stringify(answer)).toMatch(/GitHub refused the token/);
  });

  it('refuses a malformed repository name before anything reaches GitHub', async () => {
    const before = fake.requests.length;

    const answer = await ask(sut, 'github_branches', { repo: '../../etc/passwd' });

    expect(answer).toMatchObject({ error: { event: 'github_branches', code: 'VALIDATION_FAILED' } });
    expect(fake.requests.length).toBe(before);
  });
});
