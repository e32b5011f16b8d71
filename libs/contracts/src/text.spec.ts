import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { multiLine, singleLine } from './text.js';

const form = z.object({ repoUrl: singleLine({ max: 100 }).optional(), message: multiLine({ max: 100 }).optional() });

function problems(value: unknown): string[] {
  const parsed = form.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe(singleLine.name, () => {
  it.each([['a\0b'], ['line\nbreak'], ['tab\there'], ['\r'], ['esc \u001b[31m'], ['del \u007f']])('refuses %j, naming the field and the character', (value) => {
    const [problem] = problems({ repoUrl: value });
    expect(problem).toMatch(/^repoUrl: must be one line of text without control characters \(found U\+00[0-7][0-9A-F] at character \d+\)$/);
  });

  it('says which character and where', () => {
    expect(problems({ repoUrl: 'https://x/\0' })).toEqual(['repoUrl: must be one line of text without control characters (found U+0000 at character 11)']);
  });

  it('accepts ordinary text, Unicode included, and keeps its length limits', () => {
    expect(problems({ repoUrl: 'https://github.com/owner/répo-ü' })).toEqual([]);
    expect(problems({ repoUrl: 'x'.repeat(101) })).toHaveLength(1);
    expect(singleLine({ max: 10, min: 1 }).safeParse('').success).toBe(false);
  });
});

describe(`${singleLine.name} with tabs`, () => {
  it('accepts a tab and refuses a newline (a settings value)', () => {
    const value = singleLine({ tabs: true, max: 100 });
    expect(value.safeParse('a\tb').success).toBe(true);
    expect(value.safeParse('a\nb').error?.issues[0]?.message).toBe(
      'must be one line of text without control characters other than tabs (found U+000A at character 2)',
    );
  });
});

describe(multiLine.name, () => {
  it('accepts tabs and line breaks', () => {
    expect(problems({ message: 'deploy it\r\n\twith care\n' })).toEqual([]);
  });

  it.each([['a\0b'], ['bell \u0007'], ['esc \u001b[2J'], ['vertical \u000b tab'], ['del \u007f']])('refuses %j', (value) => {
    expect(problems({ message: value })[0]).toMatch(/^message: must be text without control characters/);
  });
});
