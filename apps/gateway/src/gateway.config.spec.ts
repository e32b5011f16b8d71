import { describe, expect, it } from 'vitest';
import { loadConfig } from '#common';
import { assertSafeBinding, gatewayConfigSchema } from './gateway.config.js';

describe('gatewayConfigSchema', () => {
  it('refuses an access token shorter than 32 characters, and says how to make one', () => {
    expect(() => loadConfig(gatewayConfigSchema, { AUTH_TOKEN: 'x'.repeat(32) + ',short' })).toThrow(
      /AUTH_TOKEN[\s\S]*at least 32 characters[\s\S]*openssl rand -hex 24/,
    );
    expect(() => loadConfig(gatewayConfigSchema, { AUTH_TOKEN: '1' })).toThrow(/at least 32 characters/);
    expect(loadConfig(gatewayConfigSchema, { AUTH_TOKEN: 'x'.repeat(32) }).AUTH_TOKEN).toEqual(['x'.repeat(32)]);
  });

  it('reads ALLOWED_HOSTS as host names and ALLOWED_ORIGINS as origins, refusing what is neither', () => {
    const config = loadConfig(gatewayConfigSchema, {
      ALLOWED_HOSTS: 'ServerGem.example.com, 10.0.0.5:8000',
      ALLOWED_ORIGINS: 'https://servergem.example.com/',
    });
    expect(config.ALLOWED_HOSTS).toEqual(['servergem.example.com', '10.0.0.5']);
    expect(config.ALLOWED_ORIGINS).toEqual(['https://servergem.example.com']);
    expect(() => loadConfig(gatewayConfigSchema, { ALLOWED_HOSTS: 'https://servergem.example.com' })).toThrow(/not a host name/);
    expect(() => loadConfig(gatewayConfigSchema, { ALLOWED_ORIGINS: '*' })).toThrow(/not an origin/);
    expect(() => loadConfig(gatewayConfigSchema, { ALLOWED_ORIGINS: 'https://x.example/app' })).toThrow(/not an origin/);
  });
});

describe(assertSafeBinding.name, () => {
  it('refuses to listen beyond loopback without a configured token, and says why', () => {
    for (const HOST of ['0.0.0.0', '10.0.0.5', '127.0.0.1.nip.io', '127.evil.example']) {
      expect(() => assertSafeBinding(gatewayConfigSchema.parse({ HOST }))).toThrow(/refuses to listen[\s\S]*AUTH_TOKEN/);
    }
    expect(() => assertSafeBinding(gatewayConfigSchema.parse({ HOST: '0.0.0.0', AUTH_TOKEN: 'x'.repeat(32) }))).not.toThrow();
    for (const HOST of ['127.0.0.1', '::1', 'localhost']) expect(() => assertSafeBinding(gatewayConfigSchema.parse({ HOST }))).not.toThrow();
  });
});
