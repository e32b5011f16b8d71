import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from './loopback.js';

describe(isLoopbackHost.name, () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['127.0.0.1.nip.io', '127.evil.example', 'localhost.evil.example', '0.0.0.0', '::', '10.0.0.5', '128.0.0.1', '::2', '', '127.1'])(
    '%s is not loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});
