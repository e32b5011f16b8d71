import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Every line the process writes, stdout and stderr, as it is written. */
  onLine?: (line: string) => void;
  /** How many of the last lines to keep for error reports. */
  keepLines?: number;
  /** Runs the process as this user (ServerGem must be root); Node then drops every supplementary group. */
  runAs?: RunAs;
}

/** A user and its primary group, as numbers. */
export interface RunAs {
  uid: number;
  gid: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  lastLines: string[];
}

/**
 * Splits a byte stream into lines. A run of carriage-return updates (git and npm progress bars)
 * keeps only its last state, so a progress bar becomes one real line instead of hundreds.
 */
export class LineSplitter {
  private partial = '';

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: string): void {
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const part of parts) this.emitLine(part);
  }

  end(): void {
    if (this.partial) this.emitLine(this.partial);
    this.partial = '';
  }

  private emitLine(raw: string): void {
    const segments = raw.split('\r').filter((s) => s.length > 0);
    const line = (segments.at(-1) ?? '').replace(/\s+$/, '');
    if (line) this.emit(line);
  }
}

/** Runs a program with an argv array — never through a shell — streaming its lines. */
export function runProcess(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const keep = options.keepLines ?? 40;
  const lastLines: string[] = [];
  const onLine = (line: string) => {
    lastLines.push(line);
    if (lastLines.length > keep) lastLines.shift();
    options.onLine?.(line);
  };
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
      detached: true,
      ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {}),
    });
    const out = new LineSplitter(onLine);
    const err = new LineSplitter(onLine);
    child.stdout.setEncoding('utf8').on('data', (c: string) => out.push(c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => err.push(c));
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup(child.pid, 'SIGKILL');
          }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      out.end();
      err.end();
      resolve({ code, signal, timedOut, lastLines });
    });
  });
}

/** Signals a whole process group (the program and everything it started). */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}
