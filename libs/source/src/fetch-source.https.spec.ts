import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '#common';
import { startGitHttpServer, type GitHttpServer } from '#testing';
import { fetchSource } from './fetch-source.js';

const TOKEN = 'ghp_' + 'x'.repeat(20) + Date.now();

/** A bare repository with one commit on main, served over smart HTTP. */
function bareRepo(root: string): string {
  const work = join(root, 'work');
  mkdirSync(work);
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      stdio: 'pipe',
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' },
    });
  git(work, 'init', '--quiet', '--initial-branch=main');
  writeFileSync(join(work, 'server.js'), 'require("http").createServer().listen(process.env.PORT)');
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', 'one');
  mkdirSync(join(root, 'repos', 'acme'), { recursive: true });
  git(root, 'clone', '--quiet', '--bare', work, join(root, 'repos', 'acme', 'shop.git'));
  return git(work, 'rev-parse', 'HEAD').toString().trim();
}

describe(`${fetchSource.name} over https smart HTTP (git http-backend)`, () => {
  let root: string;
  let head: string;
  let server: GitHttpServer;
  let argvLog: string;
  let path: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'servergem-smart-http-'));
    head = bareRepo(root);
    server = await startGitHttpServer(join(root, 'repos'), { token: TOKEN });
    // A git on PATH that records its argv, then runs the real one: proves the token is never an argument.
    const bin = join(root, 'bin');
    mkdirSync(bin);
    argvLog = join(root, 'argv.log');
    const realGit = execFileSync('sh', ['-c', 'command -v git']).toString().trim();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec '${realGit}' "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    path = `${bin}:${process.env.PATH}`;
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  async function withPath<T>(fn: () => Promise<T>): Promise<T> {
    const saved = process.env.PATH;
    process.env.PATH = path;
    try {
      return await fn();
    } finally {
      process.env.PATH = saved;
    }
  }

  it('fetches with the token sent only as an Authorization header, never in argv, URL or config', async () => {
    const dest = join(root, 'out-ok');
    const lines: string[] = [];
    const { commitSha } = await withPath(() =>
      fetchSource({
        source: { kind: 'git-remote', url: `${server.url}/acme/shop.git`, name: 'shop' },
        branch: 'main',
        dest,
        token: TOKEN,
        caFile: server.caFile,
        onLine: (l) => lines.push(l),
      }),
    );
    expect(commitSha).toBe(head);
    expect(existsSync(join(dest, 'server.js'))).toBe(true);
    expect(existsSync(join(dest, '.git'))).toBe(false);
    expect(server.authorizations).toContain(`Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`);
    const argv = readFileSync(argvLog, 'utf8');
    expect(argv).toContain('fetch');
    expect(argv).not.toContain(TOKEN);
    expect(argv).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('says the repository is not accessible when the token is missing', async () => {
    const error = await withPath(() =>
      fetchSource({ source: { kind: 'git-remote', url: `${server.url}/acme/shop.git`, name: 'shop' }, dest: join(root, 'out-denied'), caFile: server.caFile }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('REPO_NOT_FOUND');
  });

  it('says which branch does not exist', async () => {
    const error = await withPath(() =>
      fetchSource({
        source: { kind: 'git-remote', url: `${server.url}/acme/shop.git`, name: 'shop' },
        branch: 'nope',
        dest: join(root, 'out-branch'),
        token: TOKEN,
        caFile: server.caFile,
      }),
    ).catch((e: unknown) => e);
    expect((error as DomainError).code).toBe('BRANCH_NOT_FOUND');
  });

  it('refuses a server whose certificate it cannot verify', async () => {
    const error = await withPath(() =>
      fetchSource({ source: { kind: 'git-remote', url: `${server.url}/acme/shop.git`, name: 'shop' }, dest: join(root, 'out-tls'), token: TOKEN }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(readFileSync(argvLog, 'utf8')).not.toContain(TOKEN);
  });
});
