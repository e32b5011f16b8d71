import { describe, expect, it } from 'vitest';
import { isRange, nodeLine, pythonLine } from './runtime-lines.js';

const DEC_2026 = new Date('2026-12-01T00:00:00Z');

describe('runtime lines', () => {
  it.each([
    ['>=14', '26', true],
    ['>=20.19', '26', true],
    ['>=16 <23', '22', true],
    ['^18', '18', false],
  ])('engines.node %s → Node.js %s', async (range, line, supported) => {
    expect(await nodeLine(range, DEC_2026)).toEqual({ line, supported });
  });

  it('counts a line only from its LTS start: in mid-2026 ">=14" is 24, not 26', async () => {
    expect(await nodeLine('>=14', new Date('2026-06-01T00:00:00Z'))).toEqual({ line: '24', supported: true });
  });

  it.each([
    ['>=3.8', '3.15', true],
    ['^3.9', '3.15', true],
    ['>=3.9,<3.12', '3.11', true],
    ['~=3.11.0', '3.11', true],
    ['<3.9', '3.8', false],
  ])('requires-python %s → Python %s', async (spec, line, supported) => {
    expect(await pythonLine(spec, DEC_2026)).toEqual({ line, supported });
  });

  it('reads nothing from what is not a range', async () => {
    expect(await nodeLine('lts/*', DEC_2026)).toBeNull();
    expect(isRange('3.12')).toBe(false);
    expect(isRange('20.11.1')).toBe(false);
    expect(isRange('>=3.8')).toBe(true);
  });
});
