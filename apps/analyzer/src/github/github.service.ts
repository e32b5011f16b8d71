import { Inject, Injectable, Logger } from '@nestjs/common';
import { Octokit, type RestEndpointMethodTypes } from '@octokit/rest';
import type { GithubBranch, GithubRepo, RequestOf, ResponseOf, githubBranchesSubject, githubReposSubject } from '#contracts';
import { DomainError, Redactor, SecretBox } from '#common';
import { ANALYZER_CONFIG, type AnalyzerConfig } from '../analyzer.config.js';
import { githubError } from './github-errors.js';

type ApiRepo = RestEndpointMethodTypes['repos']['listForAuthenticatedUser']['response']['data'][number];

/** Repositories per page of `github_repos`. */
export const REPOS_PAGE_SIZE = 30;
/** With a name filter, at most this many of the user's repositories are looked through. */
const MAX_REPOS_SCANNED = 1000;
const MAX_BRANCHES = 1000;
const REQUEST_TIMEOUT_MS = 30_000;

/** GitHub's REST API through the official client: the user's repositories and a repository's branches. */
@Injectable()
export class GithubService {
  private readonly logger = new Logger(GithubService.name);

  constructor(
    @Inject(ANALYZER_CONFIG) private readonly config: AnalyzerConfig,
    private readonly secrets: SecretBox,
  ) {}

  async listRepos(request: RequestOf<typeof githubReposSubject>): Promise<ResponseOf<typeof githubReposSubject>> {
    const token = this.openToken(request.sealedToken);
    const octokit = this.client(token);
    const page = request.page ?? 1;
    const needle = request.query?.trim().toLowerCase();
    try {
      if (!needle) {
        const { data } = await octokit.rest.repos.listForAuthenticatedUser({ sort: 'pushed', per_page: REPOS_PAGE_SIZE, page });
        return { repos: data.map(toRepo) };
      }
      // GitHub cannot filter /user/repos by name, so the pages are read (newest push first) until
      // enough match.
      const matches: GithubRepo[] = [];
      let scanned = 0;
      const pages = octokit.paginate.iterator(octokit.rest.repos.listForAuthenticatedUser, { sort: 'pushed', per_page: 100 });
      for await (const { data } of pages) {
        scanned += data.length;
        matches.push(...data.filter((repo) => repo.full_name.toLowerCase().includes(needle)).map(toRepo));
        if (matches.length >= page * REPOS_PAGE_SIZE || scanned >= MAX_REPOS_SCANNED) break;
      }
      return { repos: matches.slice((page - 1) * REPOS_PAGE_SIZE, page * REPOS_PAGE_SIZE) };
    } catch (error) {
      throw this.failure(error, token, { authenticated: true });
    }
  }

  async listBranches(request: RequestOf<typeof githubBranchesSubject>): Promise<ResponseOf<typeof githubBranchesSubject>> {
    const token = request.sealedToken ? this.openToken(request.sealedToken) : undefined;
    const octokit = this.client(token);
    const [owner = '', repo = ''] = request.repo.split('/');
    try {
      const readBranches = async (): Promise<GithubBranch[]> => {
        const branches: GithubBranch[] = [];
        for await (const { data } of octokit.paginate.iterator(octokit.rest.repos.listBranches, { owner, repo, per_page: 100 })) {
          branches.push(...data.map((branch) => ({ name: branch.name, sha: branch.commit.sha })));
          if (branches.length >= MAX_BRANCHES) break;
        }
        return branches.slice(0, MAX_BRANCHES);
      };
      const [{ data: meta }, branches] = await Promise.all([octokit.rest.repos.get({ owner, repo }), readBranches()]);
      return { defaultBranch: meta.default_branch, branches };
    } catch (error) {
      throw this.failure(error, token, { repo: request.repo, authenticated: token !== undefined });
    }
  }

  private client(token: string | undefined): Octokit {
    const redactor = new Redactor([token]);
    return new Octokit({
      // The token goes to Octokit only as `auth`, which sends it in the Authorization header.
      auth: token,
      baseUrl: this.config.GITHUB_API_URL,
      userAgent: 'servergem',
      // Octokit's debug log prints whole request options, headers included: it stays silent.
      // Failed requests are reported to the user as DomainErrors, so its error lines go to debug.
      log: {
        debug: () => undefined,
        info: () => undefined,
        warn: (message: string) => this.logger.warn(redactor.redact(message)),
        error: (message: string) => this.logger.debug(redactor.redact(message)),
      },
      request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
    });
  }

  private failure(error: unknown, token: string | undefined, context: { repo?: string; authenticated: boolean }): DomainError {
    const domain = githubError(error, { ...context, apiUrl: this.apiOrigin() });
    if (domain.code === 'INTERNAL') {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.logger.error(new Redactor([token]).redact(text));
    }
    return domain;
  }

  private openToken(sealed: string): string {
    try {
      return this.secrets.open(sealed);
    } catch {
      throw new DomainError(
        'VALIDATION_FAILED',
        'The GitHub token could not be unsealed.',
        'Every service must share the same SERVERGEM_SECRET_KEY; send the token again through the gateway.',
      );
    }
  }

  private apiOrigin(): string {
    const url = new URL(this.config.GITHUB_API_URL);
    return `${url.origin}${url.pathname === '/' ? '' : url.pathname}`;
  }
}

function toRepo(repo: ApiRepo): GithubRepo {
  return {
    fullName: repo.full_name,
    name: repo.name,
    owner: repo.owner.login,
    private: repo.private,
    language: repo.language ?? null,
    pushedAt: repo.pushed_at ?? null,
    defaultBranch: repo.default_branch,
    htmlUrl: repo.html_url,
    description: repo.description ?? null,
  };
}
