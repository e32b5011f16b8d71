import { describe, expect, it } from 'vitest';
import { DomainError } from './domain-error.js';
import { redactError } from './redact-error.js';
import { Redactor } from './redactor.js';

const token = 'ghp_R8x2Kq9ZpL4mN7vB1cD5fG3hJ6kT0wYsAeUo';
const redactor = new Redactor([token]);

describe(redactError.name, () => {
  it('cleans the message, hint and log tail of a DomainError and keeps its code', () => {
    const error = new DomainError('BUILD_FAILED', `failed with ${token}`, `try ${token}`, ['ok', `Basic ${Buffer.from(`git:${token}`).toString('base64')}`]);
    const sut = redactError(error, redactor) as DomainError;
    expect(sut).toBeInstanceOf(DomainError);
    expect(sut.code).toBe('BUILD_FAILED');
    expect(JSON.stringify(sut.toWire())).not.toContain(token);
    expect(sut.logs).toEqual(['ok', 'Basic [redacted]']);
  });

  it('cleans a wire error as it came over a transport', () => {
    const sut = redactError({ code: 'CLONE_FAILED', message: `x ${token}`, logs: [token] }, redactor) as DomainError;
    expect(sut.toWire()).toMatchObject({ code: 'CLONE_FAILED', message: 'x [redacted]', logs: ['[redacted]'] });
  });

  it('cleans the message and stack of an unknown error, which stays unknown', () => {
    const sut = redactError(new TypeError(`bad header ${token}`), redactor) as Error;
    expect(sut.name).toBe('TypeError');
    expect(sut.message).toBe('bad header [redacted]');
    expect(sut.stack).not.toContain(token);
    expect(DomainError.from(sut).code).toBe('INTERNAL');
    expect(String(redactError({ weird: token }, redactor))).not.toContain(token);
  });

  it('hands the error back as it is when there is nothing to redact', () => {
    const error = new Error('plain');
    expect(redactError(error, new Redactor([]))).toBe(error);
  });
});
