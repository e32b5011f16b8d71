import { describe, expect, it } from 'vitest';
import { assignments, parseAssignment, parseEnvFile } from './env-args.js';

describe(parseAssignment.name, () => {
  it('splits at the first "=" and keeps the rest of the value', () => {
    expect(parseAssignment('A=b=c', '--env')).toEqual(['A', 'b=c']);
    expect(parseAssignment('EMPTY=', '--env')).toEqual(['EMPTY', '']);
  });

  it.each(['NOVALUE', '1A=x', 'A-B=x', '=x'])('refuses %j, naming the flag', (text) => {
    expect(() => parseAssignment(text, '--secret')).toThrow(/--secret .* is not NAME=VALUE/);
  });

  it('never repeats a refused value in the error', () => {
    expect(() => parseAssignment('not a name=hunter2-secret', '--secret')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it('collects repeated flags, the last one winning', () => {
    expect(assignments(['A=1', 'B=2', 'A=3'], '--env')).toEqual({ A: '3', B: '2' });
  });
});

describe(parseEnvFile.name, () => {
  it('reads dotenv lines: comments, export, quotes, escapes', () => {
    const text = [
      '# a comment',
      '',
      'PLAIN=value # trailing comment',
      'export EXPORTED=1',
      "SINGLE='a # not a comment \\n'",
      'DOUBLE="line\\nnext \\"quoted\\""',
      'SPACED = x',
      'URL=postgres://u:p@h/db?x=1',
    ].join('\n');
    expect(parseEnvFile(text, '.env')).toEqual({
      PLAIN: 'value',
      EXPORTED: '1',
      SINGLE: 'a # not a comment \\n',
      DOUBLE: 'line\nnext "quoted"',
      SPACED: 'x',
      URL: 'postgres://u:p@h/db?x=1',
    });
  });

  it('refuses a line that is not NAME=VALUE, naming the line', () => {
    expect(() => parseEnvFile('A=1\nthis is not\n', 'app.env')).toThrow('app.env:2 is not NAME=VALUE.');
  });
});
