/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Secrets shorter than this are redacted only as they are (and URL-encoded): their base64 and hex
 * forms would be a handful of characters that match ordinary text everywhere.
 */
export const MIN_ENCODED_SECRET_LENGTH = 8;

// Both base64 alphabets (standard and URL-safe); `=` padding is taken separately, at the end.
const BASE64_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_') BASE64_CHAR[c.charCodeAt(0)] = 1;

/**
 * Replaces every known secret in a text with `[redacted]`, in each form a build can print it:
 * the secret itself; URL-encoded; hex in either case; and base64, standard or URL-safe, of any
 * bytes holding it — `base64(secret)`, `base64(secret + "\n")` (what `echo $T | base64` prints),
 * `base64("user:" + secret)` for any user. An encoded form is redacted with the whole base64 run it
 * sits in, padding included, since the characters around it carry bits of the secret too.
 *
 * It runs on every log line, so the work is one regular expression over the line; a line with
 * no secret in it costs one failed scan.
 */
export class Redactor {
  private readonly pattern: RegExp | null;
  /** Needles that are encoded forms: a match grows to the base64 run around it. */
  private readonly encoded = new Set<string>();

  constructor(secrets: Iterable<string | null | undefined>) {
    const literal = new Set<string>();
    for (const secret of secrets) {
      if (!secret) continue;
      literal.add(secret);
      for (const form of urlEncodings(secret)) literal.add(form);
      if (secret.length < MIN_ENCODED_SECRET_LENGTH) continue;
      for (const form of encodedForms(Buffer.from(secret, 'utf8'))) this.encoded.add(form);
    }
    for (const form of literal) this.encoded.delete(form);
    // Longest first: where two needles start at the same place the longer one is replaced whole.
    const needles = [...literal, ...this.encoded].sort((a, b) => b.length - a.length);
    this.pattern = needles.length > 0 ? new RegExp(needles.map(escapeRegExp).join('|'), 'g') : null;
  }

  /** True when there is anything to redact. */
  get active(): boolean {
    return this.pattern !== null;
  }

  redact(text: string): string {
    const pattern = this.pattern;
    if (!pattern) return text;
    pattern.lastIndex = 0;
    let match = pattern.exec(text);
    if (!match) return text;
    let out = '';
    let cursor = 0;
    while (match) {
      let start = match.index;
      let end = start + match[0].length;
      if (this.encoded.has(match[0])) {
        while (start > cursor && isBase64Char(text.charCodeAt(start - 1))) start--;
        while (end < text.length && isBase64Char(text.charCodeAt(end))) end++;
        while (text.charCodeAt(end) === 61 /* = */) end++;
      }
      out += text.slice(cursor, start) + REDACTED;
      cursor = end;
      pattern.lastIndex = end;
      match = pattern.exec(text);
    }
    return out + text.slice(cursor);
  }
}

function isBase64Char(code: number): boolean {
  return code < 128 && BASE64_CHAR[code] === 1;
}

function urlEncodings(secret: string): string[] {
  const upper = encodeURIComponent(secret);
  if (upper === secret) return [];
  return [upper, upper.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase())];
}

/**
 * Hex, and for each of the three alignments a secret can have in base64 (0, 1 or 2 bytes before it
 * in its 3-byte group), the run of base64 characters that depends on the secret's bytes alone:
 * whatever comes before or after it, those characters are the same.
 */
function encodedForms(bytes: Buffer): string[] {
  const forms = [bytes.toString('hex'), bytes.toString('hex').toUpperCase()];
  for (let before = 0; before < 3; before++) {
    const text = Buffer.concat([Buffer.alloc(before), bytes]).toString('base64');
    // Character k carries bits [6k, 6k + 6) of the stream; the secret holds bits [8·before, 8·(before + n)).
    const first = Math.ceil((8 * before) / 6);
    const end = Math.floor((8 * (before + bytes.length)) / 6);
    const run = text.slice(first, end);
    forms.push(run, run.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
