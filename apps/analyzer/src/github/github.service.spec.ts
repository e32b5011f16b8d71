import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DomainError, SecretBox } from '#common';
import { FakeGithub, type FakeGithubRepo } from '#testing';
import { analyzerConfigSchema } from '../analyzer.config.js';
import { GithubService, REPOS_PAGE_SIZE } from './github.service.js';

const TOKEN = 'ghp_' + randomBytes(18).toString('hex');
const box = new SecretBox('github-service-spec');

// 150 repositories, so a filtered listing has to follow the `Link` header past the first 100.
const bulk: FakeGithubRepo[] = Array.from({ length: 150 }, (_, i) => ({
  owner: 'octo',
  name: `app-${String(i).padStart(3, '0')}`,
  pushedAt: new Date(Date.UTC(2025, 0, 1) + (150 - i) * 60_000).toISOString(),
  language: 'TypeScript',
}));
const repos: FakeGithubRepo[] = [
  ...bulk,
  { owner: 'octo', name: 'newest', pushedAt: '2026-06-01T00:00:00Z', language: 'Go', description: 'the latest push', private: true },
  { owner: 'octo', name: 'old-special', pushedAt: '2020-01-01T00:00:00Z', language: null },
  {
    owner: 'octo',
    name: 'many-branches',
    pushedAt: '2019-01-01T00:00:00Z',
    defaultBranch: 'develop',
    branches: Array.from({ length: 120 }, (_, i) => ({ name: i === 7 ? 'develop' : `feature/${i}`, sha: i.toString(16).padStart(40, '0') })),
  },
  { owner: 'octo', name: 'secret-project', private: true, defaultBranch: 'trunk' },
];

async function failure(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe(GithubService.name, () => {
  let fake: FakeGithub;
  let sut: GithubService;

  beforeAll(async () => {
    fake = await FakeGithub.start({ token: TOKEN, repos });
    sut = new GithubService(analyzerConfigSchema.parse({ GITHUB_API_URL: fake.url }), box);
  });

  afterAll(async () => {
    await fake?.stop();
  });

  beforeEach(() => {
    fake.requests.length = 0;
    fake.rateLimitedUntil = undefined;
  });

  it('lists the user’s repositories, newest push first', async () => {
    const { repos: page } = await sut.listRepos({ sealedToken: box.seal(TOKEN) });

    expect(page).toHaveLength(REPOS_PAGE_SIZE);
    expect(page[0]).toEqual({
      fullName: 'octo/newest',
      name: 'newest',
      owner: 'octo',
      private: true,
      language: 'Go',
      pushedAt: '2026-06-01T00:00:00Z',
      defaultBranch: 'main',
      htmlUrl: 'https://github.com/octo/newest',
      description: 'the latest push',
    });
    expect(page.slice(1, 3).map((r) => r.name)).toEqual(['app-000', 'app-001']);
    expect(fake.requests.map((r) => r.url)).toEqual([`/user/repos?sort=pushed&per_page=${REPOS_PAGE_SIZE}&page=1`]);
  });

  it('returns the page asked for', async () => {
    const { repos: page } = await sut.listRepos({ sealedToken: box.seal(TOKEN), page: 2 });
    expect(page[0]!.name).toBe(`app-${String(REPOS_PAGE_SIZE - 1).padStart(3, '0')}`);
  });

  it('filters by name, following the Link header through every page', async () => {
    const { repos: found } = await sut.listRepos({ sealedToken: box.seal(TOKEN), query: 'SPECIAL' });

    expect(found.map((r) => r.fullName)).toEqual(['octo/old-special']);
    expect(found[0]!.language).toBeNull();
    expect(fake.requests.map((r) => new URL(r.url, fake.url).searchParams.get('page'))).toEqual([null, '2']);
  });

  it('lists every branch and the default branch', async () => {
    const result = await sut.listBranches({ sealedToken: box.seal(TOKEN), repo: 'octo/many-branches' });

    expect(result.defaultBranch).toBe('develop');
    expect(result.branches).toHaveLength(120);
    expect(result.branches[7]).toEqual({ name: 'develop', sha: (7).toString(16).padStart(40, '0') });
  });

  it('reads a public repository without a token, and sends no Authorization header', async () => {
    const result = await sut.listBranches({ repo: 'octo/app-001' });

    expect(result).toEqual({ defaultBranch: 'main', branches: [{ name: 'main', sha: 'f'.repeat(40) }] });
    expect(fake.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it('sends the token only in the Authorization header', async () => {
    await sut.listRepos({ sealedToken: box.seal(TOKEN), query: 'app' });
    await sut.listBranches({ sealedToken: box.seal(TOKEN), repo: 'octo/secret-project' });

    expect(fake.requests.length).toBeGreaterThan(2);
    for (const request of fake.requests) {
      const { authorization, ...others } = request.headers;
      expect(authorization).toBe(`token ${TOKEN}`);
      expect(request.url).not.toContain(TOKEN);
      expect(JSON.stringify(others)).not.toContain(TOKEN);
    }
  });

  it('says REPO_NOT_FOUND for a missing repository, and for a private one without a token', async () => {
    const missing = await failure(sut.listBranches({ sealedToken: box.seal(TOKEN), repo: 'octo/nope' }));
    expect(missing.code).toBe('REPO_NOT_FOUND');
    expect(missing.message).toContain('octo/nope');

    const hidden = await failure(sut.listBranches({ repo: 'octo/secret-project' }));
    expect(hidden.code).toBe('REPO_NOT_FOUND');
    expect(hidden.hint).toMatch(/token/);
  });

  it('says FORBIDDEN for a bad token, without the token in what it says', async () => {
    const badToken = 'ghp_' + randomBytes(18).toString('hex');

    for (const attempt of [sut.listRepos({ sealedToken: box.seal(badToken) }), sut.listBranches({ sealedToken: box.seal(badToken), repo: 'octo/app-001' })]) {
      const error = await failure(attempt);
      expect(error.code).toBe('FORBIDDEN');
      expect(error.message).toMatch(/GitHub refused the token/);
      expect(error.hint).toMatch(/token/);
      expect(JSON.stringify({ ...error.toWire(), stack: error.stack })).not.toContain(badToken);
    }
  });

  it('says RATE_LIMITED with the time the limit resets', async () => {
    const reset = Math.floor(Date.now() / 1000) + 600;
    fake.rateLimitedUntil = reset;

    const error = await failure(sut.listRepos({ sealedToken: box.seal(TOKEN) }));

    expect(error.code).toBe('RATE_LIMITED');
    expect(error.message).toContain(new Date(reset * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(error.message).not.toContain(TOKEN);
  });

  it('says SOURCE_UNREACHABLE when GitHub cannot be reached', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const offline = new GithubService(analyzerConfigSchema.parse({ GITHUB_API_URL: `http://127.0.0.1:${closedPort}` }), box);

    const error = await failure(offline.listRepos({ sealedToken: box.seal(TOKEN) }));

    expect(error.code).toBe('SOURCE_UNREACHABLE');
    expect(error.message).not.toContain(TOKEN);
  });
});
