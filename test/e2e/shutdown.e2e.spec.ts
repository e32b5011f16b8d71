import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeGemini, connect } from '#testing';
import { startAllInOne } from '../../apps/cli/src/all-in-one.js';
import { removeInstallation } from './stop-local-apps.js';

/** Everything the process writes to its stdout and stderr (Nest's log lines among it) until `restore`. */
function captureOutput(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const restores = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...args: unknown[]) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (write as (...a: unknown[]) => boolean)(chunk, ...args);
    }) as typeof stream.write;
    return () => (stream.write = write);
  });
  return { lines, restore: () => restores.forEach((restore) => restore()) };
}

describe('stopping the all-in-one server while a chat message is being answered', () => {
  const home = mkdtempSync(join(tmpdir(), 'servergem-stop-'));
  afterAll(() => removeInstallation(home));

  it('lets the answer finish (it still reads and writes the database) before the database closes, and logs no error', { timeout: 60_000 }, async () => {
    const gemini = await FakeGemini.start('e2e-gemini-key');
    const output = captureOutput();
    try {
      const sut = await startAllInOne(
        { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', GEMINI_API_KEY: 'e2e-gemini-key', GEMINI_BASE_URL: gemini.url },
        (line) => output.lines.push(`${line}\n`),
      );
      // The model's first answer waits for the test: until then the message is in flight in the orchestrator.
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      gemini.reply(FakeGemini.held(FakeGemini.call('status', {}), released), FakeGemini.text('Nothing is running yet.'));
      const socket = connect(sut);
      socket.emit('message', { type: 'message', message: 'anything running?' });
      await expect.poll(() => gemini.requests.length, { timeout: 20_000 }).toBe(1);

      const stopped = sut.stop();
      // The model answers once the server has stopped, or while it is stopping if the stop waits for
      // the message (as it should): either way the answer then runs a command and stores the reply.
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 2000))]);
      release();
      await stopped;
      socket.close();
      // The status command ran and its result went back to the model: the answer went on to its end.
      expect(gemini.requests).toHaveLength(2);
      expect(output.lines.filter((line) => /\bERROR\b|QueryFailedError|TypeORMError|Connection terminated/.test(line))).toEqual([]);
    } finally {
      output.restore();
      await gemini.stop();
    }
  });
});
