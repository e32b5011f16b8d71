import { cp, lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DomainError, runProcess, type RunResult } from '#common';
import type { ResolvedSource } from './source-policy.js';

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxFiles: number;
}

export const DEFAULT_FETCH_LIMITS: FetchLimits = { timeoutMs: 5 * 60_000, maxBytes: 1024 ** 3, maxFiles: 100_000 };

export interface FetchRequest {
  source: ResolvedSource;
  branch?: string;
  /** Fetch exactly this commit (what the analyzer resolved) instead of the branch tip. */
  commitSha?: string | null;
  dest: string;
  token?: string;
  /** Extra CA certificates for https remotes (a company's own git host). */
  caFile?: string;
  limits?: FetchLimits;
  onLine?: (line: string) => void;
  /** Aborted when the deployment is cancelled: git (and all it started) is stopped, and the fetch fails with CANCELLED. */
  signal?: AbortSignal;
}

/** Folders never copied out of a local folder source. */
const SKIPPED = new Set(['.git', 'node_modules', '.servergem', '.venv', '__pycache__']);

/**
 * Puts the source into `dest`, shallow and inert: no submodules, no hooks, no LFS smudge, no
 * credentials in argv or URLs, only https (and file for allowed local repositories).
 * Returns the commit SHA, or null for a plain folder.
 */
export async function fetchSource(request: FetchRequest): Promise<{ commitSha: string | null }> {
  const limits = request.limits ?? DEFAULT_FETCH_LIMITS;
  await rm(request.dest, { recursive: true, force: true });
  await mkdir(request.dest, { recursive: true });
  if (request.signal?.aborted) throw cancelledFetch();
  if (request.source.kind === 'folder') {
    await copyFolder(request.source.path, request.dest, limits);
    if (request.signal?.aborted) throw cancelledFetch();
    return { commitSha: null };
  }
  // Git's own empty HOME, beside the destination: ServerGem writes nothing outside its folders.
  const home = await mkdtemp(join(dirname(request.dest), '.git-home-'));
  try {
    const env = gitEnvironment(home, request.source.kind === 'git-local', request.token, request.caFile);
    const git = async (args: string[], onLine?: (line: string) => void, timeoutMs = 60_000) => {
      const result = await runProcess('git', args, { cwd: request.dest, env, timeoutMs, onLine, signal: request.signal });
      if (result.cancelled) throw cancelledFetch();
      return result;
    };
    await expectOk(await git(['init', '--quiet', '--template=', '.']), 'git init');
    const url = request.source.kind === 'git-local' ? `file://${request.source.path}` : request.source.url;
    const want = request.commitSha ?? (request.branch ? `refs/heads/${request.branch}` : 'HEAD');
    const fetched = await git(
      ['fetch', '--depth=1', '--no-tags', '--no-recurse-submodules', '--progress', '--end-of-options', url, want],
      request.onLine,
      limits.timeoutMs,
    );
    if (fetched.timedOut) {
      throw new DomainError(
        'SOURCE_TOO_LARGE',
        `Fetching the repository took longer than ${Math.round(limits.timeoutMs / 1000)} s.`,
        'Deploy a smaller repository, or raise CLONE_TIMEOUT_SECONDS.',
        fetched.lastLines,
      );
    }
    if (fetched.code !== 0) throw gitFailure(fetched, request);
    const sha = (await captured(git, ['rev-parse', '--verify', '--end-of-options', 'FETCH_HEAD^{commit}'])).trim();
    await enforceLimits(git, limits);
    await expectOk(await git(['read-tree', sha]), 'git read-tree');
    await expectOk(await git(['checkout-index', '--all', '--force'], undefined, limits.timeoutMs), 'git checkout-index');
    await rm(join(request.dest, '.git'), { recursive: true, force: true });
    return { commitSha: sha };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

function cancelledFetch(): DomainError {
  return new DomainError('CANCELLED', 'The deployment was cancelled while its source was being fetched.', 'Deploy again when you are ready.');
}

/** Git configured through the environment only: nothing in argv, no user or system config. */
function gitEnvironment(home: string, allowFile: boolean, token?: string, caFile?: string): NodeJS.ProcessEnv {
  const config: [string, string][] = [
    ['protocol.allow', 'never'],
    ['protocol.https.allow', 'always'],
    ['core.hooksPath', '/dev/null'],
    ['core.fsmonitor', 'false'],
    ['submodule.recurse', 'false'],
    ['fetch.recurseSubmodules', 'false'],
    ['credential.helper', ''],
    ['advice.detachedHead', 'false'],
  ];
  if (allowFile) {
    config.push(['protocol.file.allow', 'always'], ['uploadpack.allowAnySHA1InWant', 'true']);
  }
  if (token) {
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    config.push(['http.extraHeader', `Authorization: Basic ${basic}`]);
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: home,
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: 'true',
    GIT_LFS_SKIP_SMUDGE: '1',
    GIT_CONFIG_COUNT: String(config.length),
    ...(caFile ? { GIT_SSL_CAINFO: caFile } : {}),
  };
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

type Git = (args: string[], onLine?: (line: string) => void, timeoutMs?: number) => Promise<RunResult>;

async function captured(git: Git, args: string[]): Promise<string> {
  const lines: string[] = [];
  const result = await git(args, (line) => lines.push(line));
  await expectOk(result, `git ${args[0]}`);
  return lines.join('\n');
}

async function enforceLimits(git: Git, limits: FetchLimits): Promise<void> {
  const stats = await captured(git, ['count-objects', '-v']);
  // A small fetch stays as loose objects (`size`), a larger one arrives as a pack (`size-pack`).
  const sizeKiB = Number(/^size: (\d+)/m.exec(stats)?.[1] ?? 0) + Number(/size-pack: (\d+)/.exec(stats)?.[1] ?? 0);
  if (sizeKiB * 1024 > limits.maxBytes) {
    throw new DomainError(
      'SOURCE_TOO_LARGE',
      `The repository is ${Math.round(sizeKiB / 1024)} MiB, over the ${Math.round(limits.maxBytes / 1024 ** 2)} MiB limit.`,
      'Deploy a smaller repository, or raise CLONE_MAX_MB.',
    );
  }
  let files = 0;
  const listed = await git(['ls-tree', '-r', '--name-only', '--end-of-options', 'FETCH_HEAD'], () => {
    files++;
  });
  await expectOk(listed, 'git ls-tree');
  if (files > limits.maxFiles) {
    throw new DomainError(
      'SOURCE_TOO_LARGE',
      `The repository has ${files} files, over the ${limits.maxFiles} file limit.`,
      'Deploy a smaller repository, or raise CLONE_MAX_FILES.',
    );
  }
}

async function expectOk(result: RunResult, what: string): Promise<void> {
  if (result.code !== 0) {
    throw new DomainError(
      'CLONE_FAILED',
      `${what} failed (exit ${result.code ?? result.signal}).`,
      'Try again; if it keeps failing, check the server log.',
      result.lastLines,
    );
  }
}

function gitFailure(result: RunResult, request: FetchRequest): DomainError {
  const text = result.lastLines.join('\n');
  const where = request.source.kind === 'git-remote' ? request.source.url : request.source.path;
  if (/couldn't find remote ref|not our ref|unadvertised object/i.test(text)) {
    const what = request.commitSha ? `commit ${request.commitSha.slice(0, 12)}` : `branch "${request.branch ?? 'HEAD'}"`;
    return new DomainError(
      'BRANCH_NOT_FOUND',
      `The repository ${where} has no ${what}.`,
      'Check the branch name (it is case-sensitive) and try again.',
      result.lastLines,
    );
  }
  if (
    /Authentication failed|could not read Username|terminal prompts disabled|Repository not found|not found|does not appear to be a git repository/i.test(text)
  ) {
    return new DomainError(
      'REPO_NOT_FOUND',
      `The repository ${where} does not exist or is not accessible.`,
      'Check the URL; for a private repository, connect GitHub with a token that can read it.',
      result.lastLines,
    );
  }
  if (/Could not resolve host|Failed to connect|Connection (timed out|refused)|unable to access|Network is unreachable/i.test(text)) {
    return new DomainError(
      'SOURCE_UNREACHABLE',
      `Could not reach ${where}.`,
      'Check the network connection of the ServerGem host and try again.',
      result.lastLines,
    );
  }
  return new DomainError('CLONE_FAILED', `Fetching ${where} failed.`, 'Read the git output above; try again once it is fixed.', result.lastLines);
}

async function copyFolder(from: string, to: string, limits: FetchLimits): Promise<void> {
  let files = 0;
  let bytes = 0;
  const tooLarge = () =>
    new DomainError(
      'SOURCE_TOO_LARGE',
      `The folder holds more than ${files > limits.maxFiles ? `${limits.maxFiles} files` : `${Math.round(limits.maxBytes / 1024 ** 2)} MiB`}, over the limits.`,
      'Deploy a smaller folder, or raise CLONE_MAX_MB / CLONE_MAX_FILES.',
    );
  // Stops as soon as a cap is passed: pointing at a home folder or / fails fast.
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (SKIPPED.has(entry.name)) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else {
        files++;
        bytes += (await lstat(full)).size;
        if (files > limits.maxFiles || bytes > limits.maxBytes) throw tooLarge();
      }
    }
  };
  try {
    await walk(from);
    // Symlinks are copied as links, never followed: what they point at outside stays outside.
    await cp(from, to, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (src) => !SKIPPED.has(src.slice(from.length).split('/').filter(Boolean).at(-1) ?? ''),
    });
  } catch (error) {
    throw error instanceof DomainError ? error : copyFailure(from, error);
  }
}

/**
 * Why a folder could not be copied, in words, naming only the folder the user gave: the path of
 * the file inside it that failed stays in no message, since on a local folder it is the host's.
 */
function copyFailure(folder: string, error: unknown): DomainError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const why: Record<string, string> = {
    EACCES: 'permission was denied on something inside it',
    EPERM: 'permission was denied on something inside it',
    ELOOP: 'it holds a loop of symbolic links',
    ENAMETOOLONG: 'it holds a path that is too long',
    ERR_FS_CP_EINVAL: "it holds ServerGem's own data folder",
  };
  return new DomainError(
    'CLONE_FAILED',
    `ServerGem could not copy the folder ${folder}: ${why[code] ?? `a file inside it could not be read (${code || 'unknown error'})`}.`,
    code === 'ERR_FS_CP_EINVAL'
      ? "Deploy the app's own folder, not one that contains SERVERGEM_HOME."
      : 'Check that the ServerGem server can read every file of the folder, then try again.',
  );
}
