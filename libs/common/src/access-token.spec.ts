import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessTokenPath, installAccessToken, readAccessToken } from './access-token.js';

describe(installAccessToken.name, () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'servergem-token-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('makes a 32-byte base64url token on first start, in a file only its owner can read', () => {
    const sut = installAccessToken(home);
    expect(sut).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(accessTokenPath(home)).mode & 0o777).toBe(0o600);
    expect(readFileSync(accessTokenPath(home), 'utf8').trim()).toBe(sut);
  });

  it('keeps the same token across starts, and each install has its own', () => {
    const first = installAccessToken(home);
    expect(installAccessToken(home)).toBe(first);
    const other = mkdtempSync(join(tmpdir(), 'servergem-token-'));
    try {
      expect(installAccessToken(other)).not.toBe(first);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('tightens a token file others can read', () => {
    installAccessToken(home);
    chmodSync(accessTokenPath(home), 0o644);
    installAccessToken(home);
    expect(statSync(accessTokenPath(home)).mode & 0o777).toBe(0o600);
  });

  it('refuses a token file holding a short token, and says how to fix it', () => {
    writeFileSync(accessTokenPath(home), 'short\n', { mode: 0o600 });
    expect(() => installAccessToken(home)).toThrow(/shorter than 32 characters[\s\S]*Delete the file[\s\S]*openssl rand -hex 24/);
  });
});

describe(readAccessToken.name, () => {
  it('reads the token a server made, and is null where there is none', () => {
    const home = mkdtempSync(join(tmpdir(), 'servergem-token-'));
    try {
      expect(readAccessToken(home)).toBeNull();
      const token = installAccessToken(home);
      expect(readAccessToken(home)).toBe(token);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
