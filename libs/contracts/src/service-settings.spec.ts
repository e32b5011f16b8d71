import { describe, expect, it } from 'vitest';
import { envMapSchema, envNameSchema, maskSecret, serviceSettingsSchema, settingsChangeSchema } from './service-settings.js';

describe('service settings', () => {
  it('accepts env var names shells and Cloud Run accept, and refuses the rest with a reason', () => {
    for (const name of ['API_KEY', '_x', 'a1']) expect(envNameSchema.safeParse(name).success).toBe(true);
    for (const name of ['1X', 'A-B', 'A=B', 'A B', '', 'x'.repeat(129), 'PORT', 'K_SERVICE']) {
      expect(envNameSchema.safeParse(name).success, name).toBe(false);
    }
  });

  it('refuses values with a newline, NUL or control character, and values over 32 KiB, naming the field', () => {
    for (const value of ['a\nb', 'a\u0000b', 'a\rb', 'x'.repeat(32_769)]) {
      const parsed = envMapSchema.safeParse({ API_KEY: value });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(['API_KEY']);
    }
    // `=` and tabs are ordinary in values (URLs, base64 padding).
    expect(envMapSchema.safeParse({ DATABASE_URL: 'postgres://h/db?sslmode=require', B64: 'YQ==', T: 'a\tb' }).success).toBe(true);
  });

  it('fills every field of stored settings with a default', () => {
    expect(serviceSettingsSchema.parse({})).toEqual({
      env: {},
      buildEnv: {},
      secrets: {},
      buildSecrets: {},
      startCommand: null,
      port: null,
      healthCheckPath: '/',
      cloudRun: {},
    });
  });

  it('refuses a change whose start command spans lines or whose memory is not Cloud Run’s', () => {
    expect(settingsChangeSchema.safeParse({ startCommand: 'npm start\nrm -rf /' }).success).toBe(false);
    expect(settingsChangeSchema.safeParse({ cloudRun: { memory: '512MB' } }).success).toBe(false);
    expect(settingsChangeSchema.safeParse({ cloudRun: { memory: '1Gi', cpu: '2', maxInstances: 3 } }).success).toBe(true);
  });

  it('masks a secret: a tail only for long values', () => {
    expect(maskSecret('sk-live-0123456789abcdef')).toBe('••••cdef');
    expect(maskSecret('short')).toBe('••••');
  });
});
