import { z } from 'zod';

// C0 control characters and DEL. NUL is the one PostgreSQL refuses outright; the rest are never
// part of a name, URL or token, and in terminals and logs they can rewrite what a person sees.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
const ANY_CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- as above, with tab, newline and carriage return allowed
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- as above, with tab allowed (a settings value)
const CONTROL_BUT_TAB = /[\u0000-\u0008\u000a-\u001f\u007f]/;

interface TextLimits {
  /** Leave out to chain a `.max()` with a message of your own. */
  max?: number;
  min?: number;
}

function refusing(pattern: RegExp, what: string, { max, min }: TextLimits): z.ZodString {
  let text = z.string();
  if (min !== undefined) text = text.min(min);
  if (max !== undefined) text = text.max(max);
  return text.superRefine((value, ctx) => {
    const found = pattern.exec(value);
    if (!found) return;
    const code = `U+${found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    ctx.addIssue({ code: 'custom', message: `${what} (found ${code} at character ${found.index + 1})` });
  });
}

/**
 * One line of text a client sends — a URL, a branch, a path, a token, an id, a value: no NUL, no
 * newline, no control character at all (`tabs: true` lets tabs through, as settings values may
 * hold them). The refusal names the field (zod's path) and the character.
 */
export function singleLine(limits: TextLimits & { tabs?: boolean } = {}): z.ZodString {
  return limits.tabs
    ? refusing(CONTROL_BUT_TAB, 'must be one line of text without control characters other than tabs', limits)
    : refusing(ANY_CONTROL, 'must be one line of text without control characters', limits);
}

/** Text that may run over several lines (a chat message): tabs and line breaks, no other control character. */
export function multiLine(limits: TextLimits): z.ZodString {
  return refusing(CONTROL_BUT_LINE_BREAKS, 'must be text without control characters other than tabs and line breaks', limits);
}
