import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '#common';
import { fetchSource } from './fetch-source.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'servergem-inert-'));
  dirs.push(dir);
  return dir;
}

const author = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' };

function repoWith(files: Record<string, string>): string {
  const dir = tempDir();
  // Made with no user config at all, whatever a test has set up for the host's.
  const env = { ...process.env, ...author, GIT_CONFIG_GLOBAL: '/dev/null' };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe', env });
  git('init', '--quiet', '--initial-branch=main');
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  git('add', '-A');
  git('commit', '--quiet', '-m', 'one');
  return dir;
}

/** A script that leaves `marker` behind when it runs, and passes its input through (as a filter must). */
function trap(folder: string, name: string, marker: string): string {
  const path = join(folder, name);
  writeFileSync(path, `#!/bin/sh\ntouch '${marker}'\ncat\n`);
  chmodSync(path, 0o755);
  return path;
}

async function failureOf(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe(`${fetchSource.name} keeps an untrusted repository inert`, () => {
  describe("whatever the host's own git configuration says", () => {
    const saved = { HOME: process.env.HOME, GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL };
    let markers: string;
    let home: string;

    beforeEach(() => {
      // The user ServerGem runs as has a git config that runs programs: an LFS-style smudge filter,
      // a filesystem monitor and hooks. The repository's .gitattributes asks for the filter.
      markers = tempDir();
      home = tempDir();
      mkdirSync(join(home, 'hooks'));
      for (const hook of ['post-checkout', 'post-merge', 'reference-transaction', 'post-index-change']) trap(join(home, 'hooks'), hook, join(markers, hook));
      const config = [
        '[filter "lfs"]',
        `\tsmudge = ${trap(home, 'smudge', join(markers, 'smudge'))}`,
        '\trequired = true',
        '[core]',
        `\tfsmonitor = ${trap(home, 'fsmonitor', join(markers, 'fsmonitor'))}`,
        `\thooksPath = ${join(home, 'hooks')}`,
        '',
      ].join('\n');
      writeFileSync(join(home, '.gitconfig'), config);
      process.env.HOME = home;
      process.env.GIT_CONFIG_GLOBAL = join(home, '.gitconfig');
    });

    afterEach(() => {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    });

    it('runs no filter, filesystem monitor or hook, and checks out the files as committed', async () => {
      const pointer = 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 3\n';
      const repo = repoWith({ '.gitattributes': '* filter=lfs\n', 'model.bin': pointer, 'server.js': 'console.log(1)\n' });
      // The trap is live: plain git, in this same environment, springs it.
      const control = tempDir();
      execFileSync('git', ['clone', '--quiet', repo, control], { stdio: 'pipe' });
      expect(existsSync(join(markers, 'smudge'))).toBe(true);
      rmSync(markers, { recursive: true, force: true });
      mkdirSync(markers);

      const dest = join(tempDir(), 'out');
      await fetchSource({ source: { kind: 'git-local', path: repo, name: 'r' }, branch: 'main', dest });

      expect(readFileSync(join(dest, 'model.bin'), 'utf8')).toBe(pointer);
      expect(readFileSync(join(dest, 'server.js'), 'utf8')).toBe('console.log(1)\n');
      expect(existsSync(join(dest, '.git'))).toBe(false);
      expect(existsSync(markers) && execFileSync('ls', ['-A', markers]).toString()).toBe('');
    });
  });

  it('takes a ref or commit that looks like an option as a ref, never as an option (--end-of-options)', async () => {
    const repo = repoWith({ 'server.js': '' });
    const marker = join(tempDir(), 'pwned');

    // The builder fetches the commit the analyzer resolved: were it ever `--upload-pack=…`, git must not run it.
    const error = await failureOf(
      fetchSource({ source: { kind: 'git-local', path: repo, name: 'r' }, commitSha: `--upload-pack=touch ${marker};`, dest: join(tempDir(), 'out') }),
    );

    expect(error.code).toBe('CLONE_FAILED');
    expect(existsSync(marker)).toBe(false);
  });

  it.each([
    ['ext::', (marker: string) => `ext::sh -c touch% ${marker}`],
    ['ssh with a ProxyCommand', (marker: string) => `ssh://-oProxyCommand=touch%20${marker}/x/y`],
    ['git://', () => 'git://127.0.0.1:9/x/y'],
  ])('refuses the %s transport in git itself, should a URL ever get past the source policy', async (_name, url) => {
    const marker = join(tempDir(), 'pwned');

    const error = await failureOf(fetchSource({ source: { kind: 'git-remote', url: url(marker), name: 'x' }, dest: join(tempDir(), 'out') }));

    expect(error.logs.join('\n')).toMatch(/transport '(ext|ssh|git)' not allowed/);
    expect(existsSync(marker)).toBe(false);
  });

  it('fetches a file:// URL only as an allowed local repository, never as a remote', async () => {
    const repo = repoWith({ 'secret.txt': 'host file\n' });
    const dest = join(tempDir(), 'out');

    const error = await failureOf(fetchSource({ source: { kind: 'git-remote', url: `file://${repo}`, name: 'r' }, dest }));

    expect(error.logs.join('\n')).toMatch(/transport 'file' not allowed/);
    expect(existsSync(join(dest, 'secret.txt'))).toBe(false);
  });
});
