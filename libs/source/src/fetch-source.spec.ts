import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DomainError } from '#common';
import { fetchSource } from './fetch-source.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'servergem-fetch-'));
  dirs.push(dir);
  return dir;
}

function repoWith(files: (dir: string) => void): string {
  const dir = tempDir();
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      stdio: 'pipe',
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' },
    });
  git('init', '--quiet', '--initial-branch=main');
  files(dir);
  git('add', '-A');
  git('commit', '--quiet', '-m', 'one');
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe(fetchSource.name, () => {
  it('fetches a branch shallowly and returns its commit', async () => {
    const repo = repoWith((d) => writeFileSync(join(d, 'server.js'), 'console.log(1)'));
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo }).toString().trim();
    const dest = join(tempDir(), 'out');
    const lines: string[] = [];
    const { commitSha } = await fetchSource({ source: { kind: 'git-local', path: repo, name: 'r' }, branch: 'main', dest, onLine: (l) => lines.push(l) });
    expect(commitSha).toBe(head);
    expect(existsSync(join(dest, 'server.js'))).toBe(true);
    expect(existsSync(join(dest, '.git'))).toBe(false);
  });

  it('fetches an exact commit (what the builder does after the analyzer)', async () => {
    const repo = repoWith((d) => writeFileSync(join(d, 'a.txt'), 'a'));
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo }).toString().trim();
    const { commitSha } = await fetchSource({ source: { kind: 'git-local', path: repo, name: 'r' }, commitSha: head, dest: join(tempDir(), 'out') });
    expect(commitSha).toBe(head);
  });

  it('never fetches submodules', async () => {
    const other = repoWith((d) => writeFileSync(join(d, 'secret.txt'), 'x'));
    const repo = repoWith((d) => {
      writeFileSync(join(d, 'server.js'), '');
      execFileSync('git', ['-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', other, 'vendored'], { cwd: d, stdio: 'pipe' });
    });
    const dest = join(tempDir(), 'out');
    await fetchSource({ source: { kind: 'git-local', path: repo, name: 'r' }, dest });
    expect(existsSync(join(dest, 'vendored', 'secret.txt'))).toBe(false);
  });

  it('keeps a symlink to /etc/passwd a link, never a copy of the file', async () => {
    const repo = repoWith((d) => symlinkSync('/etc/passwd', join(d, 'passwd')));
    const dest = join(tempDir(), 'out');
    await fetchSource({ source: { kind: 'git-local', path: repo, name: 'r' }, dest });
    expect(lstatSync(join(dest, 'passwd')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dest, 'passwd'))).toBe('/etc/passwd');
  });

  it('copies a plain folder without node_modules or .git', async () => {
    const folder = tempDir();
    writeFileSync(join(folder, 'index.js'), '');
    mkdirSync(join(folder, 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(folder, 'node_modules', 'x', 'i.js'), '');
    const dest = join(tempDir(), 'out');
    const { commitSha } = await fetchSource({ source: { kind: 'folder', path: folder, name: 'f' }, dest });
    expect(commitSha).toBeNull();
    expect(existsSync(join(dest, 'index.js'))).toBe(true);
    expect(existsSync(join(dest, 'node_modules'))).toBe(false);
  });

  it('stops past the file cap with a clear error', async () => {
    const repo = repoWith((d) => {
      for (let i = 0; i < 20; i++) writeFileSync(join(d, `f${i}.txt`), String(i));
    });
    const error = await fetchSource({
      source: { kind: 'git-local', path: repo, name: 'r' },
      dest: join(tempDir(), 'out'),
      limits: { timeoutMs: 60_000, maxBytes: 1024 ** 3, maxFiles: 10 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('SOURCE_TOO_LARGE');
  });

  it('stops past the byte cap with a clear error', async () => {
    const repo = repoWith((d) => writeFileSync(join(d, 'big.bin'), randomBytes(200_000)));
    const error = await fetchSource({
      source: { kind: 'git-local', path: repo, name: 'r' },
      dest: join(tempDir(), 'out'),
      limits: { timeoutMs: 60_000, maxBytes: 1024, maxFiles: 100 },
    }).catch((e: unknown) => e);
    expect((error as DomainError).code).toBe('SOURCE_TOO_LARGE');
    expect((error as DomainError).message).toMatch(/MiB/);
  });

  it('fetches nothing for a cancelled deployment, and says it was cancelled', async () => {
    const repo = repoWith((d) => writeFileSync(join(d, 'a.txt'), 'a'));
    for (const source of [
      { kind: 'git-local' as const, path: repo, name: 'r' },
      { kind: 'folder' as const, path: repo, name: 'r' },
    ]) {
      const dest = join(tempDir(), 'out');
      const error = await fetchSource({ source, dest, signal: AbortSignal.abort() }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CANCELLED', message: 'The deployment was cancelled while its source was being fetched.' });
      expect(existsSync(join(dest, 'a.txt'))).toBe(false);
    }
  });

  it('stops a fetch that runs past the time cap with a clear error', async () => {
    const repo = repoWith((d) => writeFileSync(join(d, 'a.txt'), 'a'));
    const error = await fetchSource({
      source: { kind: 'git-local', path: repo, name: 'r' },
      dest: join(tempDir(), 'out'),
      limits: { timeoutMs: 1, maxBytes: 1024 ** 3, maxFiles: 100 },
    }).catch((e: unknown) => e);
    expect((error as DomainError).code).toBe('SOURCE_TOO_LARGE');
    expect((error as DomainError).message).toMatch(/took longer than/);
  });

  describe('a folder that cannot be copied gets a clear error naming only the folder', () => {
    it('one holding the destination (ServerGem’s own data folder)', async () => {
      const folder = tempDir();
      writeFileSync(join(folder, 'private-ledger.txt'), '');
      const error = (await fetchSource({ source: { kind: 'folder', path: folder, name: 'f' }, dest: join(folder, 'data', 'out') }).catch(
        (e: unknown) => e,
      )) as DomainError;
      expect(error).toMatchObject({ code: 'CLONE_FAILED', message: `ServerGem could not copy the folder ${folder}: it holds ServerGem's own data folder.` });
      expect(error.hint).toMatch(/SERVERGEM_HOME/);
    });

    it('one holding something that is not a file (a named pipe), whose name stays out of the message', async () => {
      const folder = tempDir();
      execFileSync('mkfifo', [join(folder, 'secret-pipe-name')]);
      const error = (await fetchSource({ source: { kind: 'folder', path: folder, name: 'f' }, dest: join(tempDir(), 'out') }).catch(
        (e: unknown) => e,
      )) as DomainError;
      expect(error).toBeInstanceOf(DomainError);
      expect(error.code).toBe('CLONE_FAILED');
      expect(error.message).toContain(folder);
      expect(`${error.message} ${error.hint}`).not.toContain('secret-pipe-name');
    });

    it('one over the file cap, found without walking all of it', async () => {
      const folder = tempDir();
      for (let i = 0; i < 20; i++) writeFileSync(join(folder, `f${i}.txt`), '');
      const error = await fetchSource({
        source: { kind: 'folder', path: folder, name: 'f' },
        dest: join(tempDir(), 'out'),
        limits: { timeoutMs: 60_000, maxBytes: 1024 ** 3, maxFiles: 5 },
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SOURCE_TOO_LARGE', message: 'The folder holds more than 5 files, over the limits.' });
    });
  });
});
