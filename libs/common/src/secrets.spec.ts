import { describe, expect, it } from 'vitest';
import { SecretBox } from './secrets.js';

describe(SecretBox.name, () => {
  it('seals so the token is not readable, and opens it again', () => {
    const sut = new SecretBox('key-one');
    const sealed = sut.seal('ghp_abcdefghijklmnop');
    expect(sealed).not.toContain('ghp_');
    expect(sut.open(sealed)).toBe('ghp_abcdefghijklmnop');
  });

  it('seals each value of a map under its name, and opens them all again', () => {
    const sut = new SecretBox('key-one');
    const sealed = sut.sealAll({ API_KEY: 'sk-live-123', EMPTY: '' });
    expect(Object.keys(sealed)).toEqual(['API_KEY', 'EMPTY']);
    expect(JSON.stringify(sealed)).not.toContain('sk-live-123');
    expect(sut.openAll(sealed)).toEqual({ API_KEY: 'sk-live-123', EMPTY: '' });
    expect(() => new SecretBox('key-two').openAll(sealed)).toThrow();
  });

  it('refuses a sealed value from another key or one tampered with', () => {
    const sealed = new SecretBox('key-one').seal('ghp_abcdefghijklmnop');
    expect(() => new SecretBox('key-two').open(sealed)).toThrow();
    expect(() => new SecretBox('key-one').open(sealed.slice(0, -2) + 'AA')).toThrow();
  });

  it('turns a value sealed with another key into a clear error, and nothing into nothing', () => {
    const sealed = new SecretBox('key-one').seal('ghp_abcdefghijklmnop');
    expect(new SecretBox('key-one').openFromService(sealed)).toBe('ghp_abcdefghijklmnop');
    expect(new SecretBox('key-one').openFromService(undefined)).toBeUndefined();
    expect(() => new SecretBox('key-two').openFromService(sealed)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', hint: expect.stringContaining('SERVERGEM_SECRET_KEY') }),
    );
  });
});
