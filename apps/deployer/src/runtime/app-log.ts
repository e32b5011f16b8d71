import { appendFileSync, closeSync, copyFileSync, openSync, readSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { LineSplitter } from '#common';

const KEEP_LINES = 1000;
const ROTATE_BYTES = 5 * 1024 * 1024;
const POLL_MS = 200;
const SEED_BYTES = 64 * 1024;

/**
 * A service's `app.log`: each app process's log writer appends to it (the app's stdout and stderr,
 * its secrets redacted; both outlive ServerGem); this tails it into a ring buffer and hands new
 * lines to listeners. Rotation is copy-then-truncate because the writer keeps its descriptor open
 * in append mode.
 */
export class AppLog {
  readonly path: string;
  private readonly ring: string[] = [];
  private readonly listeners = new Set<(line: string) => void>();
  private readonly splitter = new LineSplitter((line) => this.add(line));
  private offset = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(dir: string) {
    this.path = join(dir, 'app.log');
    this.seed();
  }

  start(): void {
    this.timer ??= setInterval(() => this.catchUp(), POLL_MS);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  /** A line from ServerGem itself, kept in the same file so `logs` tells the whole story. */
  note(line: string): void {
    appendFileSync(this.path, `[servergem] ${line}\n`);
    this.catchUp();
  }

  onLine(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  tail(count: number): string[] {
    return this.ring.slice(-count);
  }

  /** Reads whatever the app wrote since the last look. */
  catchUp(): void {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return;
    }
    if (size < this.offset) this.offset = 0;
    if (size > this.offset) this.read(size);
    if (size > ROTATE_BYTES) this.rotate();
  }

  private seed(): void {
    try {
      const size = statSync(this.path).size;
      const from = Math.max(0, size - SEED_BYTES);
      this.offset = from;
      this.read(size);
      this.splitter.end();
    } catch {
      this.offset = 0;
    }
  }

  private read(size: number): void {
    const fd = openSync(this.path, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(size - this.offset, 1024 * 1024));
      const n = readSync(fd, buffer, 0, buffer.length, this.offset);
      this.offset += n;
      this.splitter.push(buffer.subarray(0, n).toString('utf8'));
    } finally {
      closeSync(fd);
    }
  }

  private rotate(): void {
    copyFileSync(this.path, `${this.path}.1`);
    truncateSync(this.path, 0);
    this.offset = 0;
  }

  private add(line: string): void {
    this.ring.push(line);
    if (this.ring.length > KEEP_LINES) this.ring.splice(0, this.ring.length - KEEP_LINES);
    for (const listener of this.listeners) listener(line);
  }
}
