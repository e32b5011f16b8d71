import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isSecretSetting, secretKey, secretKeyFields, servergemHome } from './config.js';

describe(secretKey.name, () => {
  const made: string[] = [];
  const cwd = process.cwd();
  let elsewhere: string;

  beforeEach(() => {
    // Whatever the working folder is, nothing may land in it.
    elsewhere = mkdtempSync(join(tmpdir(), 'servergem-cwd-'));
    made.push(elsewhere);
    process.chdir(elsewhere);
  });
  afterEach(() => process.chdir(cwd));
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a generated key in the home it is given (0600), the same on every call, and nothing elsewhere', () => {
    const home = join(mkdtempSync(join(tmpdir(), 'servergem-key-')), 'home');
    made.push(join(home, '..'));
    const sut = secretKey({ SERVERGEM_HOME: home });
    expect(sut).toMatch(/^[0-9a-f]{64}$/);
    expect(secretKey({ SERVERGEM_HOME: home })).toBe(sut);
    expect(readFileSync(join(home, 'secret.key'), 'utf8')).toBe(sut);
    expect(statSync(join(home, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('uses SERVERGEM_SECRET_KEY as given and writes no file', () => {
    const home = join(mkdtempSync(join(tmpdir(), 'servergem-key-')), 'home');
    made.push(join(home, '..'));
    expect(secretKey({ SERVERGEM_SECRET_KEY: 'k'.repeat(40), SERVERGEM_HOME: home })).toBe('k'.repeat(40));
    expect(existsSync(home)).toBe(false);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('comes through the config schemas marked as a secret', () => {
    const schema = z.object(secretKeyFields);
    expect(isSecretSetting(secretKeyFields.SERVERGEM_SECRET_KEY)).toBe(true);
    expect(schema.parse({ SERVERGEM_SECRET_KEY: '' })).toEqual({ SERVERGEM_SECRET_KEY: undefined });
  });
});

describe(servergemHome.name, () => {
  it('makes the home private to ServerGem, also one an earlier version left open', () => {
    const parent = mkdtempSync(join(tmpdir(), 'servergem-home-'));
    const home = servergemHome(join(parent, 'home'));
    expect(statSync(home).mode & 0o777).toBe(0o700);
    chmodSync(home, 0o711);
    servergemHome(home);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    rmSync(parent, { recursive: true, force: true });
  });
});
