import { describe, expect, it } from 'vitest';
import { DomainError } from '#common';
import { resolveSource, validateAppPath, validateBranch } from './source-policy.js';

const remoteOnly = { allowLocal: false, allowedHosts: ['github.com'] };
const localToo = { allowLocal: true, allowedHosts: ['github.com'] };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
}

describe(resolveSource.name, () => {
  it('accepts an https GitHub URL and names the repository', () => {
    expect(resolveSource('https://github.com/acme/shop.git', remoteOnly)).toEqual({
      kind: 'git-remote',
      url: 'https://github.com/acme/shop.git',
      name: 'shop',
    });
  });

  it.each([
    ['ext::sh -c touch% /tmp/pwn'],
    ['ssh://-oProxyCommand=touch%20/tmp/x/repo'],
    ['http://github.com/acme/shop'],
    ['git://github.com/acme/shop'],
    ['git@github.com:acme/shop.git'],
    ['http://metadata.google.internal/computeMetadata/v1/'],
    ['https://10.0.0.5/x/y'],
    ['https://127.0.0.1/x/y'],
    ['https://[::1]/x/y'],
    ['https://169.254.169.254/x/y'],
    ['https://github.com@evil.com/x/y'],
    ['https://user:pass@github.com/x/y'],
    ['https://evil.com/x/y'],
    ['https://github.com/../../etc'],
    ['https://github.com:8443/acme/shop'],
    ['-uhttps://github.com/acme/shop'],
  ])('refuses %s', (input) => {
    expect(['INVALID_SOURCE', 'LOCAL_SOURCE_NOT_ALLOWED']).toContain(codeOf(() => resolveSource(input, remoteOnly)));
  });

  it.each(['file:///etc', '/srv/app', '../../'])('refuses the local source %s unless local sources are allowed', (input) => {
    expect(codeOf(() => resolveSource(input, remoteOnly))).toBe('LOCAL_SOURCE_NOT_ALLOWED');
  });

  it('accepts an existing absolute folder when local sources are allowed', () => {
    expect(resolveSource(import.meta.dirname, localToo)).toMatchObject({ kind: 'folder', path: import.meta.dirname });
  });

  it('refuses a relative path even when local sources are allowed', () => {
    expect(codeOf(() => resolveSource('../../', localToo))).toBe('INVALID_SOURCE');
  });

  it('reads a file URL as its decoded path, and refuses one that names no local path', () => {
    const dir = import.meta.dirname;
    expect(resolveSource(`file://${dir}`, localToo)).toMatchObject({ kind: 'folder', path: dir });
    // %73 is "s": the path is decoded, as the file URL means it.
    expect(resolveSource(`file://${dir.slice(0, -3)}%73rc`, localToo)).toMatchObject({ kind: 'folder', path: dir });
    for (const input of ['file://[', 'file://other-host/srv/app', 'file:///srv/a%2Fb'])
      expect(codeOf(() => resolveSource(input, localToo))).toBe('INVALID_SOURCE');
  });

  it('says a missing folder does not exist', () => {
    expect(codeOf(() => resolveSource('/no/such/folder', localToo))).toBe('REPO_NOT_FOUND');
  });
});

describe(validateBranch.name, () => {
  it.each(['main', 'release/1.2', 'feature/x-y_z', 'v1.0.0', 'user@topic'])('accepts %s', (branch) => {
    expect(() => validateBranch(branch)).not.toThrow();
  });

  it.each([
    '--upload-pack=touch /tmp/x',
    '-u',
    '-main',
    'main; curl x|sh',
    '$(id)',
    '`id`',
    'a..b',
    'a@{1}',
    '.hidden',
    'x.lock',
    'x/',
    '/x',
    '@',
    'a b',
    'a\nb',
    'x'.repeat(256),
  ])('refuses %j', (branch) => {
    expect(codeOf(() => validateBranch(branch))).toBe('INVALID_BRANCH');
  });
});

describe(validateAppPath.name, () => {
  it('normalises the root and sub-folders', () => {
    expect(validateAppPath(undefined)).toBe('.');
    expect(validateAppPath('apps/web/')).toBe('apps/web');
  });

  it.each(['../x', '/etc', 'a/../../b'])('refuses %s', (path) => {
    expect(codeOf(() => validateAppPath(path))).toBe('INVALID_SOURCE');
  });
});
