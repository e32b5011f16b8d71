/**
 * One app process's log writer, a process of its own: the app's stdout and stderr are the write end
 * of its stdin pipe, and it appends what the app prints to the service's app.log with the service's
 * secrets redacted (in every form the redactor knows), so no secret the app prints is ever on disk
 * in clear. It is detached from ServerGem, so the app keeps logging while ServerGem is stopped or
 * restarting; it ends when the app (and whatever the app started) has closed the pipe.
 *
 * Started by `startLogWriter` with an IPC channel, the only way the secrets reach it (never argv,
 * environment or a file): `{ secrets }` first, then `{ flush: n }` to be answered `{ flushed: n }`
 * once all the app printed before it is in the file. Without its secrets it writes nothing.
 *
 * It imports the redactor alone, not the whole of #common: it starts as fast as node does.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { Redactor } from '../../../../libs/common/src/redactor.js';

/** A line the app leaves unfinished this long is written as it is (a prompt, a progress bar). */
const IDLE_MS = 1000;
/** A line longer than this is written in pieces. */
const MAX_LINE = 64 * 1024;
/**
 * What a flush waits before it answers: the bytes the app wrote before the flush was asked for are
 * in the pipe already, and are read in the same (or the next) turn of the event loop as the request.
 */
const SETTLE_MS = 2;

interface Message {
  secrets?: string[];
  flush?: number;
}

function main(): void {
  const logFile = process.argv[2];
  if (!logFile) throw new Error('usage: log-writer-main <app.log>');
  const fd = openSync(logFile, 'a', 0o600);
  const decoder = new StringDecoder('utf8');
  let redactor: Redactor | undefined;
  let partial = '';
  let idle: NodeJS.Timeout | undefined;

  const write = (text: string): void => {
    try {
      writeSync(fd, text);
    } catch {
      // A full disk or a removed service: the line is lost, the app keeps running.
    }
  };
  const writeLines = (lines: string[]): void => {
    if (lines.length > 0) write(lines.map((line) => `${redactor!.redact(line)}\n`).join(''));
  };
  const take = (chunk: string): void => {
    clearTimeout(idle);
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    while (partial.length > MAX_LINE) {
      parts.push(partial.slice(0, MAX_LINE));
      partial = partial.slice(MAX_LINE);
    }
    writeLines(parts);
    if (partial) idle = setTimeout(() => writeRest(), IDLE_MS);
  };
  const writeRest = (): void => {
    const rest = partial + decoder.end();
    partial = '';
    if (rest) writeLines([rest]);
  };
  const send = (message: object): void => {
    if (process.send && process.connected) process.send(message);
  };

  // Nothing is read before the secrets are there: the pipe holds what the app prints meanwhile.
  process.stdin.pause();
  process.stdin.on('data', (chunk: Buffer) => take(decoder.write(chunk)));
  process.stdin.on('end', () => {
    clearTimeout(idle);
    writeRest();
    closeSync(fd);
    process.exit(0);
  });
  process.stdin.on('error', () => process.exit(1));
  process.on('message', (message: Message) => {
    if (message.secrets && !redactor) {
      redactor = new Redactor(message.secrets);
      process.stdin.resume();
    }
    if (message.flush !== undefined) {
      const id = message.flush;
      setTimeout(() => send({ flushed: id }), SETTLE_MS);
    }
  });
  // ServerGem went away before it said what to redact: printing in clear is not an option.
  process.on('disconnect', () => {
    if (!redactor) process.exit(1);
  });
}

main();
