import { DomainError } from '#common';

/** What an Octokit `RequestError` carries that matters here; read by shape, not by class. */
interface HttpFailure {
  status: number;
  response?: { headers: Record<string, string | number | undefined> };
}

/**
 * Turns whatever Octokit threw into an error a person can act on. GitHub's own error text is
 * never passed on: every message is written here, so a token can never ride along in one.
 */
export function githubError(error: unknown, context: { apiUrl: string; repo?: string; authenticated: boolean }): DomainError {
  if (error instanceof DomainError) return error;
  const listing = context.repo ? `the branches of ${context.repo}` : 'your repositories';
  if (!isAbort(error) && !isHttpFailure(error)) {
    return new DomainError(
      'INTERNAL',
      `Something went wrong inside ServerGem while listing ${listing}.`,
      'Try again; if it keeps happening, check the server log.',
    );
  }
  if (isAbort(error) || !isHttpFailure(error) || !error.response) {
    return new DomainError(
      'SOURCE_UNREACHABLE',
      `ServerGem could not reach the GitHub API at ${context.apiUrl} to list ${listing}.`,
      'Check the network connection (and GITHUB_API_URL, if set), then try again.',
    );
  }
  const headers = error.response.headers;
  const { status } = error;
  if (isRateLimited(status, headers)) return rateLimited(headers, context.authenticated);
  if (status === 401) {
    return new DomainError(
      'FORBIDDEN',
      'GitHub refused the token: it is invalid, expired or revoked.',
      'Create a new token at https://github.com/settings/tokens (with the "repo" scope for private repositories) and paste it again.',
    );
  }
  if (status === 403) {
    return new DomainError(
      'FORBIDDEN',
      `GitHub refused access to ${context.repo ?? 'your repositories'}.`,
      'Give the token access to the repository (the "repo" scope, or the repository in a fine-grained token; authorize it for SSO if the organization uses it).',
    );
  }
  if (status === 404) {
    return new DomainError(
      'REPO_NOT_FOUND',
      `GitHub has no ${context.repo ? `repository ${context.repo}` : 'such resource'}, or ${context.authenticated ? 'the token cannot see it' : 'it is private'}.`,
      context.authenticated
        ? 'Check the owner and name, and that the token can read the repository.'
        : 'Check the owner and name; for a private repository, add a GitHub token.',
    );
  }
  if (status >= 500) {
    return new DomainError(
      'SOURCE_UNREACHABLE',
      `GitHub answered with an error (HTTP ${status}) while listing ${listing}.`,
      'GitHub may be having trouble; try again shortly.',
    );
  }
  return new DomainError(
    'INTERNAL',
    `GitHub answered with an unexpected error (HTTP ${status}) while listing ${listing}.`,
    'Try again; if it keeps happening, check the server log.',
  );
}

type Headers = Record<string, string | number | undefined>;

function isRateLimited(status: number, headers: Headers): boolean {
  if (status === 429) return true;
  return status === 403 && (String(headers['x-ratelimit-remaining']) === '0' || headers['retry-after'] !== undefined);
}

function rateLimited(headers: Headers, authenticated: boolean): DomainError {
  const reset = Number(headers['x-ratelimit-reset']);
  const retryAfter = Number(headers['retry-after']);
  const at =
    Number.isFinite(retryAfter) && retryAfter > 0
      ? new Date(Date.now() + retryAfter * 1000)
      : Number.isFinite(reset) && reset > 0
        ? new Date(reset * 1000)
        : null;
  const when = at
    ? `until ${at.toISOString().replace(/\.\d{3}Z$/, 'Z')} (about ${Math.max(1, Math.ceil((at.getTime() - Date.now()) / 60_000))} min)`
    : 'for now';
  return new DomainError(
    'RATE_LIMITED',
    `GitHub's API rate limit is used up ${when}.`,
    authenticated ? 'Wait until then and try again.' : 'Wait until then, or add a GitHub token: authenticated requests get a much higher limit.',
  );
}

function isHttpFailure(error: unknown): error is HttpFailure {
  return typeof error === 'object' && error !== null && typeof (error as { status?: unknown }).status === 'number';
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
