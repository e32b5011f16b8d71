import { describe, expect, it } from 'vitest';
import { Redactor, SecretBox } from './secrets.js';

describe(SecretBox.name, () => {
  it('seals so the token is not readable, and opens it again', () => {
    const sut = new SecretBox('key-one');
    const sealed = sut.seal('ghp_abcdefghijklmnop');
    expect(sealed).not.toContain('ghp_');
    expect(sut.open(sealed)).toBe('ghp_abcdefghijklmnop');
  });

  it('refuses a sealed value from another key or one tampered with', () => {
    const sealed = new SecretBox('key-one').seal('ghp_abcdefghijklmnop');
    expect(() => new SecretBox('key-two').open(sealed)).toThrow();
    expect(() => new SecretBox('key-one').open(sealed.slice(0, -2) + 'AA')).toThrow();
  });
});

describe(Redactor.name, () => {
  const token = 'ghp_abcdefghijklmnop1234';
  const sut = new Redactor([token]);

  it.each([
    [`remote: using ${token}`],
    [`Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`],
    [`echo ${Buffer.from(token).toString('base64')}`],
  ])('redacts %s', (line) => {
    const out = sut.redact(line);
    expect(out).toContain('[redacted]');
    expect(out).not.toContain(token);
    expect(out).not.toContain(Buffer.from(token).toString('base64'));
  });

  it('leaves other lines alone', () => {
    expect(sut.redact('added 71 packages in 4s')).toBe('added 71 packages in 4s');
  });
});
