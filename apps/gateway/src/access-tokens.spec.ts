import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessTokens, bearerToken, LOCAL_OWNER } from './access-tokens.js';
import { gatewayConfigSchema } from './gateway.config.js';

describe(AccessTokens.name, () => {
  const home = mkdtempSync(join(tmpdir(), 'servergem-tokens-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("uses the install's own token without AUTH_TOKEN, owner local, and says where it is", () => {
    const sut = AccessTokens.forConfig(gatewayConfigSchema.parse({ SERVERGEM_HOME: home }));
    const token = readFileSync(join(home, 'access-token'), 'utf8').trim();
    expect(sut.loginToken).toBe(token);
    expect(sut.ownerOf(token)).toBe(LOCAL_OWNER);
    expect(sut.ownerOf(`${token}x`)).toBeNull();
    expect(sut.ownerOf('')).toBeNull();
    expect(sut.ownerOf(undefined)).toBeNull();
    expect(sut.refusal()).toMatchObject({ code: 'UNAUTHORIZED', hint: expect.stringContaining(join(home, 'access-token')) });
  });

  it('gives each configured token its own owner, accepts no other, and prints none', () => {
    const [a, b] = ['a'.repeat(32), 'b'.repeat(40)];
    const sut = AccessTokens.forConfig(gatewayConfigSchema.parse({ SERVERGEM_HOME: home, AUTH_TOKEN: `${a}, ${b}` }));
    expect(sut.ownerOf(a)).toMatch(/^token:[0-9a-f]{24}$/);
    expect(sut.ownerOf(b)).toMatch(/^token:[0-9a-f]{24}$/);
    expect(sut.ownerOf(a)).not.toBe(sut.ownerOf(b));
    // The install's file token is not one of them.
    expect(sut.ownerOf(readFileSync(join(home, 'access-token'), 'utf8').trim())).toBeNull();
    expect(sut.loginToken).toBeNull();
    expect(sut.refusal().hint).toMatch(/AUTH_TOKEN/);
    expect(sut.refusal().hint).not.toContain(a);
  });
});

describe(bearerToken.name, () => {
  it('reads `Authorization: Bearer <token>` and nothing else', () => {
    expect(bearerToken({ authorization: 'Bearer abc' })).toBe('abc');
    expect(bearerToken({ authorization: 'bearer abc' })).toBe('abc');
    expect(bearerToken({ authorization: 'Basic abc' })).toBeUndefined();
    expect(bearerToken({})).toBeUndefined();
  });
});
