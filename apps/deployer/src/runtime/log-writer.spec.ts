import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLogWriter } from './log-writer.js';

const SECRET = 'sk-live-0123456789abcdefXYZ';

describe(startLogWriter.name, () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'log-writer-'));
    file = join(dir, 'app.log');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A program whose stdout and stderr are the writer's pipe, as an app's are. */
  function app(script: string, env: NodeJS.ProcessEnv = {}) {
    const sut = startLogWriter(file, [SECRET]);
    const child = spawn('sh', ['-c', script], { stdio: ['ignore', sut.input, sut.input], env: { PATH: process.env.PATH, S: SECRET, ...env } });
    sut.closeInput();
    return { sut, child };
  }

  it('appends what the app prints, on stdout and stderr, with the secret and its encodings redacted', async () => {
    const { sut, child } = app(
      'echo "key is $S"; echo "as base64 $(printf %s "$S" | base64)" >&2; echo "as hex $(printf %s "$S" | od -An -tx1 | tr -d " \\n")"; echo plain',
    );
    await once(child, 'exit');
    await sut.flush();
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('key is [redacted]\n');
    expect(text).toContain('as base64 [redacted]\n');
    expect(text).toContain('as hex [redacted]\n');
    expect(text).toContain('plain\n');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(text).not.toContain(Buffer.from(SECRET).toString('hex'));
  });

  it('flush waits until what a running app printed is in the file', async () => {
    const { sut, child } = app('echo "started with $S"; exec sleep 30');
    try {
      // The line is in the pipe before the writer has even started: a flush still finds it.
      await new Promise((r) => setTimeout(r, 50));
      await sut.flush();
      expect(readFileSync(file, 'utf8')).toBe('started with [redacted]\n');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('keeps writing once released, with no channel to ServerGem left', async () => {
    const { sut, child } = app('echo one; sleep 0.3; echo "two $S"');
    sut.release();
    await once(child, 'exit');
    // The writer drains the pipe and exits on its own; give it the moment that takes.
    for (let i = 0; i < 100 && !readFileSync(file, 'utf8').includes('two'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(file, 'utf8')).toBe('one\ntwo [redacted]\n');
  });

  it('writes an unfinished line when the app ends', async () => {
    const { sut, child } = app('printf "no newline $S"');
    await once(child, 'exit');
    await sut.flush();
    expect(readFileSync(file, 'utf8')).toBe('no newline [redacted]\n');
  });
});
