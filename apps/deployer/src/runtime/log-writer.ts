import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { detachedScript } from './detached-script.js';

/** What a flush waits at most: a writer that does not answer by then is left to catch up alone. */
const FLUSH_TIMEOUT_MS = 2000;

/** The redacting writer between one app process and its app.log (see log-writer-main.ts). */
export interface LogWriter {
  /** The write end of the writer's pipe: the app's stdout and stderr. */
  readonly input: Writable;
  /** Closes ServerGem's copy of the pipe once the app holds its own: the writer ends when the app does. */
  closeInput(): void;
  /** Settles once every line the app printed so far is in app.log (or the writer is gone, or after a bound). */
  flush(): Promise<void>;
  /** Lets the writer go on alone: it keeps writing after ServerGem stops. */
  release(): void;
}

/**
 * Starts the log writer of one app process, detached. The secrets go over its IPC channel only —
 * never in argv, its environment or a file — and it holds the app's output in the pipe until it
 * has them, so nothing is written before it can be redacted. Its own complaints (it has none while
 * all is well) go to the log too.
 */
export function startLogWriter(logFile: string, secrets: string[]): LogWriter {
  const fd = openSync(logFile, 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [detachedScript('log-writer-main'), logFile], {
      // Nothing of ServerGem's environment: the writer needs no setting.
      detached: true,
      stdio: ['pipe', 'ignore', fd, 'ipc'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      cwd: '/',
    });
  } finally {
    closeSync(fd);
  }
  // Neither the writer nor its channel keeps ServerGem running.
  child.unref();
  child.channel?.unref();
  child.on('error', () => undefined);
  child.send({ secrets });
  let exited = false;
  child.once('exit', () => (exited = true));
  let flushes = 0;
  const flush = () =>
    new Promise<void>((resolve) => {
      if (exited || !child.connected) return resolve();
      const id = ++flushes;
      const done = () => {
        clearTimeout(timer);
        child.off('message', answered);
        child.off('exit', done);
        resolve();
      };
      const answered = (message: { flushed?: number }) => message.flushed === id && done();
      const timer = setTimeout(done, FLUSH_TIMEOUT_MS);
      child.on('message', answered);
      // A writer whose app has exited drains the pipe and ends: its exit is the flush.
      child.once('exit', done);
      child.send({ flush: id }, (error) => error && done());
    });
  return {
    input: child.stdin!,
    closeInput: () => child.stdin!.destroy(),
    flush,
    // The channel closes once the writer has answered, so the secrets surely reached it.
    release: () => void flush().then(() => child.connected && child.disconnect()),
  };
}
