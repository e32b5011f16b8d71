import { describe, expect, it } from 'vitest';
import { newSince } from './logs.command.js';

describe('newSince', () => {
  it('finds where the lines not printed yet start', () => {
    expect(newSince([], ['a', 'b'])).toBe(0);
    expect(newSince(['a', 'b'], ['a', 'b', 'c'])).toBe(2);
    expect(newSince(['b', 'c'], ['a', 'b', 'c', 'd', 'e'])).toBe(3);
    expect(newSince(['x', 'y'], ['a', 'b'])).toBe(0);
    expect(newSince(['a', 'b'], ['a', 'b'])).toBe(2);
  });
});
