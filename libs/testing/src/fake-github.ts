import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGithubRepo {
  owner: string;
  name: string;
  private?: boolean;
  language?: string | null;
  description?: string | null;
  /** ISO time of the last push; the fake sorts `sort=pushed` by it. */
  pushedAt?: string;
  defaultBranch?: string;
  branches?: { name: string; sha: string }[];
}

export interface FakeGithubRequest {
  method: string;
  /** Path and query string, as received. */
  url: string;
  headers: IncomingHttpHeaders;
}

export interface FakeGithubOptions {
  /** The one token the fake accepts (as `token …` or `Bearer …`). */
  token: string;
  repos: FakeGithubRepo[];
}

const RATE_LIMIT = 5000;

/**
 * A stand-in for api.github.com speaking the REST wire format Octokit expects for the endpoints
 * ServerGem calls: JSON bodies, GitHub's error bodies, `Link` pagination and rate-limit headers.
 * Test double only: it records every request so a test can see what arrived where.
 */
export class FakeGithub {
  readonly requests: FakeGithubRequest[] = [];
  /** When set (epoch seconds), every request is refused as over the rate limit until then. */
  rateLimitedUntil: number | undefined;
  private base = '';

  private constructor(
    private readonly options: FakeGithubOptions,
    private readonly server: Server,
  ) {}

  static async start(options: FakeGithubOptions): Promise<FakeGithub> {
    const server = createServer();
    const fake = new FakeGithub(options, server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  get url(): string {
    return this.base;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
    const url = new URL(req.url ?? '/', this.base);
    const auth = this.authOf(req.headers.authorization);
    if (this.rateLimitedUntil !== undefined && this.rateLimitedUntil > Date.now() / 1000) {
      return this.send(res, 403, { message: 'API rate limit exceeded for user ID 1.', documentation_url: DOCS.rateLimit, status: '403' }, { remaining: 0 });
    }
    if (auth === 'bad') return this.send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    if (req.method !== 'GET') return this.notFound(res, 'https://docs.github.com/rest');

    if (url.pathname === '/user/repos') {
      if (auth !== 'ok') return this.send(res, 401, { message: 'Requires authentication', documentation_url: DOCS.listRepos, status: '401' });
      const repos = [...this.options.repos];
      if (url.searchParams.get('sort') === 'pushed') repos.sort((a, b) => pushed(b).localeCompare(pushed(a)));
      else repos.sort((a, b) => `${a.owner}/${a.name}`.localeCompare(`${b.owner}/${b.name}`));
      return this.page(
        res,
        url,
        repos.map((r) => this.repoJson(r)),
      );
    }
    const match = /^\/repos\/([^/]+)\/([^/]+)(\/branches)?$/.exec(url.pathname);
    const repo = match && this.options.repos.find((r) => r.owner === match[1] && r.name === match[2]);
    if (!match || !repo || (repo.private && auth !== 'ok')) return this.notFound(res, match?.[3] ? DOCS.listBranches : DOCS.getRepo);
    if (!match[3]) return this.send(res, 200, this.repoJson(repo));
    const branches = (repo.branches ?? [{ name: repo.defaultBranch ?? 'main', sha: 'f'.repeat(40) }]).map((b) => ({
      name: b.name,
      commit: { sha: b.sha, url: `${this.base}/repos/${repo.owner}/${repo.name}/commits/${b.sha}` },
      protected: false,
    }));
    return this.page(res, url, branches);
  }

  private authOf(header: string | undefined): 'none' | 'ok' | 'bad' {
    if (!header) return 'none';
    const [scheme = '', value] = header.split(' ');
    return ['token', 'bearer'].includes(scheme.toLowerCase()) && value === this.options.token ? 'ok' : 'bad';
  }

  /** One page of a list, with GitHub's `Link` header (prev, next, last, first). */
  private page(res: ServerResponse, url: URL, items: unknown[]): void {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number, rel: string) => {
      const target = new URL(url.pathname + url.search, this.base);
      target.searchParams.set('per_page', String(perPage));
      target.searchParams.set('page', String(n));
      return `<${target.href}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'));
    this.send(res, 200, items.slice((page - 1) * perPage, page * perPage), {}, links.length ? { link: links.join(', ') } : {});
  }

  private notFound(res: ServerResponse, documentation: string): void {
    this.send(res, 404, { message: 'Not Found', documentation_url: documentation, status: '404' });
  }

  private send(res: ServerResponse, status: number, body: unknown, rate: { remaining?: number } = {}, headers: Record<string, string> = {}): void {
    const remaining = rate.remaining ?? RATE_LIMIT - 1;
    const reset = this.rateLimitedUntil ?? Math.floor(Date.now() / 1000) + 3600;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': randomUUID().toUpperCase(),
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-used': String(RATE_LIMIT - remaining),
      'x-ratelimit-resource': 'core',
      ...headers,
    });
    res.end(text);
  }

  private repoJson(repo: FakeGithubRepo): Record<string, unknown> {
    const fullName = `${repo.owner}/${repo.name}`;
    const at = pushed(repo);
    return {
      id: hash(fullName),
      node_id: Buffer.from(`R_${fullName}`).toString('base64'),
      name: repo.name,
      full_name: fullName,
      private: repo.private ?? false,
      owner: { login: repo.owner, id: hash(repo.owner), type: 'User', html_url: `https://github.com/${repo.owner}`, url: `${this.base}/users/${repo.owner}` },
      html_url: `https://github.com/${fullName}`,
      description: repo.description ?? null,
      fork: false,
      url: `${this.base}/repos/${fullName}`,
      clone_url: `https://github.com/${fullName}.git`,
      language: repo.language ?? null,
      default_branch: repo.defaultBranch ?? 'main',
      visibility: repo.private ? 'private' : 'public',
      created_at: at,
      updated_at: at,
      pushed_at: at,
      archived: false,
      disabled: false,
      permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
    };
  }
}

const DOCS = {
  listRepos: 'https://docs.github.com/rest/repos/repos#list-repositories-for-the-authenticated-user',
  getRepo: 'https://docs.github.com/rest/repos/repos#get-a-repository',
  listBranches: 'https://docs.github.com/rest/branches/branches#list-branches',
  rateLimit: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
};

function pushed(repo: FakeGithubRepo): string {
  return repo.pushedAt ?? '2024-01-01T00:00:00Z';
}

function hash(text: string): number {
  let h = 0;
  for (const char of text) h = (h * 31 + char.charCodeAt(0)) >>> 0;
  return h % 1_000_000_000;
}
