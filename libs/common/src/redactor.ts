/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Secrets shorter than this are redacted only as they are (and URL-encoded): their base64 and hex
 * forms would be a handful of characters that match ordinary text everywhere.
 */
export const MIN_ENCODED_SECRET_LENGTH = 8;

/**
 * How many characters of an encoded form are enough to recognise it: a wrapped line of base64
 * (`base64` wraps at 76, `openssl base64` at 64) holds only part of a long secret's form, and any
 * 16 of its characters (96 bits) are as good as the whole.
 */
const WINDOW = 16;

/**
 * Replaces every known secret in a text with `[redacted]`, in each form a build can print it:
 * the secret itself; URL-encoded; hex in either case; and base64, standard or URL-safe, of any
 * bytes holding it — `base64(secret)`, `base64(secret + "\n")` (what `echo $T | base64` prints),
 * `base64("user:" + secret)` for any user. An encoded form is recognised by any 16 characters of
 * it (a wrapped line holds only part of it) and redacted with the whole base64 run it sits in,
 * padding included, since the characters around it carry bits of the secret too.
 *
 * It runs on every log line: a line costs one regular expression for the secrets as they are and
 * one pass over its characters for the encoded forms.
 */
export class Redactor {
  private readonly literal: RegExp | null;
  private readonly windows: WindowIndex | null;

  constructor(secrets: Iterable<string | null | undefined>) {
    const literal = new Set<string>();
    const encoded: string[] = [];
    for (const secret of secrets) {
      if (!secret) continue;
      literal.add(secret);
      for (const form of urlEncodings(secret)) literal.add(form);
      if (secret.length < MIN_ENCODED_SECRET_LENGTH) continue;
      encoded.push(...encodedForms(Buffer.from(secret, 'utf8')));
      // A long enough part of the secret itself: the first half of a token, a token folded over two lines.
      encoded.push(...secret.split(/[^A-Za-z0-9+/_-]+/).filter((piece) => piece.length >= WINDOW));
    }
    // Longest first: where two needles start at the same place the longer one is replaced whole.
    const needles = [...literal].sort((a, b) => b.length - a.length);
    this.literal = needles.length > 0 ? new RegExp(needles.map(escapeRegExp).join('|'), 'g') : null;
    this.windows = encoded.length > 0 ? new WindowIndex(encoded) : null;
  }

  /** True when there is anything to redact. */
  get active(): boolean {
    return this.literal !== null;
  }

  redact(text: string): string {
    if (!this.literal) return text;
    const out = text.replace(this.literal, REDACTED);
    return this.windows ? this.windows.redactRuns(out) : out;
  }
}

const RUN_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_') RUN_CHAR[c.charCodeAt(0)] = 1;
const EQUALS = 61;
const BASE = 257;
const FILTER_BITS = 1 << 16;

/**
 * Every window (all offsets, one length) of the encoded forms, looked up as a line is scanned: a
 * rolling hash of the last `length` characters of each base64 run, a bit filter on the hash, and
 * the string itself only when the filter says it may be one — so a line costs one pass over it.
 */
class WindowIndex {
  private readonly length: number;
  private readonly windows = new Set<string>();
  private readonly filter = new Uint32Array(FILTER_BITS / 32);
  /** BASE to the power `length`, for taking the character that leaves the window out of the hash. */
  private readonly outgoing: number;

  constructor(forms: string[]) {
    this.length = Math.min(WINDOW, ...forms.map((f) => f.length));
    this.outgoing = Array.from({ length: this.length }).reduce<number>((power) => Math.imul(power, BASE), 1);
    for (const form of forms) {
      let hash = 0;
      for (let i = 0; i < form.length; i++) {
        hash = (Math.imul(hash, BASE) + form.charCodeAt(i) - (i >= this.length ? Math.imul(form.charCodeAt(i - this.length), this.outgoing) : 0)) | 0;
        if (i + 1 < this.length) continue;
        this.windows.add(form.slice(i + 1 - this.length, i + 1));
        const bit = ((hash >>> 16) ^ hash) & (FILTER_BITS - 1);
        this.filter[bit >>> 5]! |= 1 << (bit & 31);
      }
    }
  }

  /** Replaces each base64 run (with its `=` padding) that holds a window of a secret's form. */
  redactRuns(text: string): string {
    // Locals, not fields, in the loop: it runs over every character of every log line.
    const { length, outgoing, filter, windows } = this;
    let out = '';
    let cursor = 0;
    let start = -1;
    let hash = 0;
    let found = false;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const code = text.charCodeAt(i);
      if (code < 128 && RUN_CHAR[code] === 1) {
        if (start < 0) {
          start = i;
          hash = 0;
          found = false;
        }
        const size = i + 1 - start;
        hash = (Math.imul(hash, BASE) + code - (size > length ? Math.imul(text.charCodeAt(i - length), outgoing) : 0)) | 0;
        if (size >= length && !found) {
          const bit = ((hash >>> 16) ^ hash) & (FILTER_BITS - 1);
          found = (filter[bit >>> 5]! & (1 << (bit & 31))) !== 0 && windows.has(text.slice(i + 1 - length, i + 1));
        }
      } else if (start >= 0) {
        if (found) {
          let end = i;
          while (text.charCodeAt(end) === EQUALS) end++;
          out += text.slice(cursor, start) + REDACTED;
          cursor = end;
          i = end - 1;
        }
        start = -1;
      }
    }
    if (start >= 0 && found) {
      out += text.slice(cursor, start) + REDACTED;
      cursor = n;
    }
    return cursor === 0 ? text : out + text.slice(cursor);
  }
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
