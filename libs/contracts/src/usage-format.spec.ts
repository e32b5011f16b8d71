import { describe, expect, it } from 'vitest';
import { formatBytes, formatCpuSeconds, formatDuration } from './usage-format.js';

describe('usage-format', () => {
  it.each([
    [512 * 1024, '512 KB'],
    [44_145_049, '42.1 MB'],
    [3 * 1024 ** 3, '3.00 GB'],
  ])('formatBytes(%d) is %j', (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  it.each([
    [0, '0.0 s'],
    [1.34, '1.3 s'],
    [125, '2 min 5 s'],
    [7500, '2 h 5 min'],
  ])('formatCpuSeconds(%d) is %j', (seconds, text) => expect(formatCpuSeconds(seconds)).toBe(text));

  it.each([
    [0, '0 s'],
    [45, '45 s'],
    [180, '3 min'],
    [90_061, '1 d 1 h'],
  ])('formatDuration(%d) is %j', (seconds, text) => expect(formatDuration(seconds)).toBe(text));
});
