import { describe, expect, it } from 'vitest';
import { SocketsPerAddress } from './sockets-per-address.js';

describe(SocketsPerAddress.name, () => {
  it('has room up to the limit for each address, and again once one closes', () => {
    const sut = new SocketsPerAddress(2);
    sut.opened('10.0.0.1');
    sut.opened('10.0.0.1');
    expect(sut.hasRoom('10.0.0.1')).toBe(false);
    expect(sut.hasRoom('10.0.0.2')).toBe(true);
    sut.closed('10.0.0.1');
    expect(sut.hasRoom('10.0.0.1')).toBe(true);
    expect(sut.countFor('10.0.0.1')).toBe(1);
  });

  it('forgets an address once its last socket closes, and never counts below zero', () => {
    const sut = new SocketsPerAddress(1);
    sut.opened('::1');
    sut.closed('::1');
    sut.closed('::1');
    expect(sut.countFor('::1')).toBe(0);
    sut.opened('::1');
    expect(sut.hasRoom('::1')).toBe(false);
  });
});
