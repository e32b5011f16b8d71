import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MIN_ENCODED_SECRET_LENGTH, REDACTED, Redactor } from './redactor.js';

const token = 'ghp_R8x2Kq9ZpL4mN7vB1cD5fG3hJ6kT0wYsAeUo';
const b64 = (text: string) => Buffer.from(text).toString('base64');
const b64url = (text: string) => Buffer.from(text).toString('base64url');
/** What a shell prints, so the test holds the real output of the commands a build would run. */
const shell = (script: string) => execFileSync('sh', ['-c', script], { env: { PATH: process.env.PATH, T: token }, encoding: 'utf8' }).trim();

describe(Redactor.name, () => {
  const sut = new Redactor([token]);

  it.each([
    ['the token itself', `remote: using ${token} now`, `remote: using ${REDACTED} now`],
    ['base64 of the token', `echo ${b64(token)}`, `echo ${REDACTED}`],
    ['base64 of the token and a newline (echo $T | base64)', `out: ${shell('echo "$T" | base64')}`, `out: ${REDACTED}`],
    ['base64 of git:token (printf git:%s $T | base64)', `basic ${shell(`printf 'git:%s' "$T" | base64`)}`, `basic ${REDACTED}`],
    ['base64 of x-access-token:token', `Authorization: Basic ${b64(`x-access-token:${token}`)}`, `Authorization: Basic ${REDACTED}`],
    ['URL-safe base64', `t=${b64url(`${token}\n`)};`, `t=${REDACTED};`],
    ['lower-case hex', `hex ${Buffer.from(token).toString('hex')}`, `hex ${REDACTED}`],
    ['upper-case hex', `hex ${Buffer.from(token).toString('hex').toUpperCase()}`, `hex ${REDACTED}`],
    ['hex as xxd -p prints it', `hex ${shell('printf %s "$T" | od -An -tx1 | tr -d " \\n"')}`, `hex ${REDACTED}`],
  ])('redacts %s', (_what, line, expected) => {
    expect(sut.redact(line)).toBe(expected);
  });

  it.each(['a:', 'ab:', 'abc:', 'x-access-token:', 'oauth2:', 'some.user@example.com:'])(
    'redacts base64 of "%s" + token, whatever the user, in each alignment',
    (user) => {
      for (const suffix of ['', '\n', ':x', ':xy']) {
        const line = `Basic ${b64(`${user}${token}${suffix}`)} end`;
        expect(sut.redact(line)).toBe(`Basic ${REDACTED} end`);
      }
    },
  );

  it('redacts every line of base64 a tool wraps, for a long fine-grained token', () => {
    const pat = `github_pat_11ABCDEFG0${'aB3dE6gH9jK2mN5pQ8sT1vW4yZ7'.repeat(3)}`;
    const redactor = new Redactor([pat]);
    const run = (script: string) => execFileSync('sh', ['-c', script], { env: { PATH: process.env.PATH, T: pat }, encoding: 'utf8' });
    for (const script of ['echo "$T" | base64', 'printf "user@example.com:%s" "$T" | base64 -w 40', 'printf %s "$T" | od -An -tx1 | tr -d " " ']) {
      const lines = run(script).split('\n').filter(Boolean);
      expect(lines.length).toBeGreaterThan(1);
      // A wrapped line ends with at most 15 characters that no longer say enough; all the others are gone.
      for (const line of lines.slice(0, -1)) expect(redactor.redact(line)).toBe(REDACTED);
    }
  });

  it('redacts a long enough part of the token (16 characters or more)', () => {
    expect(sut.redact(`token starts ${token.slice(0, 20)}…`)).toBe(`token starts ${REDACTED}…`);
  });

  it('redacts URL-encoded forms of a secret with characters URLs escape', () => {
    const secret = 'pa/ss+wo rd@example=1';
    const redactor = new Redactor([secret]);
    expect(redactor.redact(`?p=${encodeURIComponent(secret)}&q=1`)).toBe(`?p=${REDACTED}&q=1`);
    const lowerEscapes = encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
    expect(redactor.redact(`?p=${lowerEscapes}`)).toBe(`?p=${REDACTED}`);
    expect(redactor.redact(`plain ${secret}`)).toBe(`plain ${REDACTED}`);
  });

  it('redacts a secret with non-ASCII characters by its UTF-8 bytes', () => {
    const secret = 'clé-secrète-ünïcødé';
    const redactor = new Redactor([secret]);
    expect(redactor.redact(`x ${b64(`u:${secret}`)} y`)).toBe(`x ${REDACTED} y`);
    expect(redactor.redact(`x ${Buffer.from(secret).toString('hex')} y`)).toBe(`x ${REDACTED} y`);
  });

  it('redacts any number of secrets, each in every form, several times in one line', () => {
    const secrets = Array.from({ length: 20 }, (_, i) => `service-secret-value-${i}-${'z'.repeat(i)}`);
    const redactor = new Redactor([undefined, token, ...secrets, null]);
    const forms = [...secrets.map((s, i) => (i % 2 ? s : b64(`${s}\n`))), token, b64(token)];
    const out = redactor.redact(forms.join(' | '));
    expect(out).toBe(forms.map(() => REDACTED).join(' | '));
    for (const secret of secrets) expect(out).not.toContain(secret);
  });

  it('redacts the whole base64 run, padding included, and leaves the text around it', () => {
    const encoded = b64(`git:${token}`);
    expect(encoded.endsWith('=')).toBe(true);
    expect(sut.redact(`["${encoded}", "next"]`)).toBe(`["${REDACTED}", "next"]`);
  });

  it('leaves lines without the secret alone, ordinary base64 and hashes included', () => {
    const lines = [
      'added 71 packages in 4s',
      `integrity sha512-${Buffer.alloc(64, 7).toString('base64')}`,
      `commit ${'0123456789abcdef'.repeat(2)}0123abcd`,
      `ghp_ alone, ${token.slice(0, 12)} a third of it`,
      '',
    ];
    for (const line of lines) expect(sut.redact(line)).toBe(line);
  });

  it(`redacts a secret shorter than ${MIN_ENCODED_SECRET_LENGTH} characters only as it is, never its encodings`, () => {
    const short = 'pw1234';
    const redactor = new Redactor([short]);
    expect(redactor.redact(`password is ${short}.`)).toBe(`password is ${REDACTED}.`);
    // Its base64 is 8 characters that would turn up in ordinary base64 text; it is left alone.
    expect(redactor.redact(`b64 ${b64(short)}`)).toBe(`b64 ${b64(short)}`);
  });

  it('does nothing without secrets', () => {
    const none = new Redactor([undefined, '', null]);
    expect(none.active).toBe(false);
    expect(none.redact(`a ${token}`)).toBe(`a ${token}`);
  });
});
