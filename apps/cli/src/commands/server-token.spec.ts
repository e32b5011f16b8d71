import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installAccessToken } from '#common';
import { serverToken } from './server-token.js';

describe(serverToken.name, () => {
  let home: string;
  let token: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'servergem-cli-token-'));
    token = installAccessToken(home);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('reads the install token from SERVERGEM_HOME for a server on this machine', () => {
    for (const server of ['http://127.0.0.1:8000', 'http://localhost:8000', 'http://[::1]:8000']) {
      expect(serverToken(server, { SERVERGEM_HOME: home })).toBe(token);
    }
  });

  it('prefers SERVERGEM_TOKEN', () => {
    expect(serverToken('http://127.0.0.1:8000', { SERVERGEM_HOME: home, SERVERGEM_TOKEN: 'from-the-environment' })).toBe('from-the-environment');
  });

  it('never sends the token file to a server elsewhere, even one named like loopback', () => {
    expect(serverToken('https://servergem.example.com', { SERVERGEM_HOME: home })).toBeUndefined();
    expect(serverToken('http://127.0.0.1.nip.io:8000', { SERVERGEM_HOME: home })).toBeUndefined();
  });

  it('has none when no server made a token in that home', () => {
    expect(serverToken('http://127.0.0.1:8000', { SERVERGEM_HOME: join(home, 'elsewhere') })).toBeUndefined();
  });
});
