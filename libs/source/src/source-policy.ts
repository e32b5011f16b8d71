import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename, isAbsolute, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DomainError } from '#common';

export interface SourcePolicy {
  /** Local folders and local git repositories: only in all-in-one mode on loopback. */
  allowLocal: boolean;
  /** Hosts https URLs may point at; `github.com` by default. */
  allowedHosts: string[];
}

export type ResolvedSource =
  { kind: 'git-remote'; url: string; name: string } | { kind: 'git-local'; path: string; name: string } | { kind: 'folder'; path: string; name: string };

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const SCP_LIKE = /^[^/\s]+@[^/\s]+:/;

/** Turns what a user typed into a source ServerGem is willing to fetch, or a clear refusal. */
export function resolveSource(input: string, policy: SourcePolicy): ResolvedSource {
  const raw = input.trim();
  if (raw.length === 0) throw invalid('The repository is empty.');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\0-\x1f\x7f]/.test(raw)) throw invalid('The repository contains control characters.');
  if (raw.startsWith('-')) throw invalid('The repository may not start with "-".');
  if (SCHEME.test(raw) && !raw.toLowerCase().startsWith('file:')) return resolveUrl(raw, policy);
  if (SCP_LIKE.test(raw)) {
    throw invalid(`"${raw}" is an SSH address; ServerGem fetches over https only.`, 'Use the https URL, e.g. https://github.com/owner/repo.');
  }
  const path = raw.toLowerCase().startsWith('file:') ? filePath(raw) : raw;
  return resolveLocal(path, policy);
}

/** A `file:` URL's path, percent-decoded; a URL that names no local path is refused, not guessed. */
function filePath(raw: string): string {
  try {
    return fileURLToPath(new URL(raw));
  } catch {
    throw invalid(`"${raw}" is not a valid file URL.`, 'Give the folder as an absolute path such as /home/me/app, or as file:///home/me/app.');
  }
}

function resolveUrl(raw: string, policy: SourcePolicy): ResolvedSource {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(`"${raw}" is not a valid URL.`);
  }
  if (url.protocol !== 'https:') {
    throw invalid(`Only https repository URLs are accepted, not ${url.protocol.replace(/:$/, '')}.`, 'Use the https URL, e.g. https://github.com/owner/repo.');
  }
  if (url.username || url.password) {
    throw invalid(
      'Repository URLs may not contain a user name or password.',
      'Send the URL without credentials; give a GitHub token separately for private repositories.',
    );
  }
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const bareHost = host.replace(/^\[|\]$/g, '');
  if (isIP(bareHost) || host === 'localhost' || host.endsWith('.internal') || host.endsWith('.local')) {
    throw invalid(`Repositories on ${host} are refused: private, loopback and link-local addresses are never fetched.`);
  }
  if (!policy.allowedHosts.includes(host)) {
    throw invalid(
      `Repositories on ${host} are not allowed here (allowed: ${policy.allowedHosts.join(', ')}).`,
      'Ask the operator to add the host to GIT_ALLOWED_HOSTS.',
    );
  }
  if (url.port && url.port !== '443') throw invalid('Repository URLs must use the standard https port.');
  const segments = url.pathname.split('/').filter(Boolean);
  if (segments.length < 2 || segments.some((s) => s === '.' || s === '..' || !/^[A-Za-z0-9._-]+$/.test(s))) {
    throw invalid(`"${raw}" does not look like a repository URL.`, 'Use https://<host>/<owner>/<repo>.');
  }
  const clean = `https://${host}/${segments.join('/')}`;
  return { kind: 'git-remote', url: clean, name: segments.at(-1)!.replace(/\.git$/, '') };
}

function resolveLocal(path: string, policy: SourcePolicy): ResolvedSource {
  if (!policy.allowLocal) {
    throw new DomainError(
      'LOCAL_SOURCE_NOT_ALLOWED',
      `"${path}" is not an https repository URL, and local folders are accepted only by the all-in-one server on loopback.`,
      'Push the code to GitHub and deploy its https URL, or run `servergem up` on this machine.',
    );
  }
  if (!isAbsolute(path)) {
    throw invalid(`"${path}" is a relative path; the server needs an absolute one.`, 'The CLI resolves paths for you: `servergem deploy ./my-app`.');
  }
  const folder = normalize(path).replace(/\/+$/, '') || '/';
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new DomainError('REPO_NOT_FOUND', `There is no folder or git repository at ${folder}.`, 'Check the path and try again.');
  }
  const name = basename(folder) || 'app';
  return existsSync(join(folder, '.git')) ? { kind: 'git-local', path: folder, name } : { kind: 'folder', path: folder, name };
}

const BRANCH_CHARS = /^[A-Za-z0-9._/+@-]+$/;

/**
 * A branch is checked like `git check-ref-format --branch`, and held to a narrower alphabet so no
 * shell or option syntax can ever reach git.
 */
export function validateBranch(branch: string): void {
  const bad = (why: string) =>
    new DomainError('INVALID_BRANCH', `The branch "${branch.slice(0, 80)}" is not valid: ${why}.`, 'Use a branch name such as main or release/1.2.');
  if (branch.length === 0 || branch.length > 255) throw bad('it must be 1 to 255 characters');
  if (branch.startsWith('-')) throw bad('it may not start with "-"');
  if (!BRANCH_CHARS.test(branch)) throw bad('only letters, digits and . _ / + @ - are allowed');
  if (branch.includes('..') || branch.includes('@{') || branch.includes('//')) throw bad('it may not contain "..", "@{" or "//"');
  if (branch === '@' || branch.startsWith('/') || branch.endsWith('/') || branch.endsWith('.'))
    throw bad('it may not be "@" or start or end with "/" or end with "."');
  if (branch.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) throw bad('no component may start with "." or end with ".lock"');
}

/** A sub-folder of the repository: relative, and never climbing out of it. */
export function validateAppPath(appPath: string | undefined): string {
  if (!appPath || appPath === '.' || appPath === './') return '.';
  const clean = normalize(appPath).replace(/\/+$/, '');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (isAbsolute(clean) || clean === '..' || clean.startsWith('../') || /[\0-\x1f]/.test(clean)) {
    throw invalid(`The app path "${appPath}" must be a folder inside the repository.`, 'Give a relative path such as apps/web.');
  }
  return clean;
}

function invalid(message: string, hint = 'Give an https URL such as https://github.com/owner/repo.'): DomainError {
  return new DomainError('INVALID_SOURCE', message, hint);
}
