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
  /**
   * Aborting it stops the process and everything it started: SIGTERM to its process group, then
   * SIGKILL to whatever of the group is left `killAfterMs` later. The result says `cancelled`.
   */
  signal?: AbortSignal;
  /** How long the group has between SIGTERM and SIGKILL when the signal is aborted (default 1 s). */
  killAfterMs?: number;
  /** Told the pid of the process once it runs: it leads a process group of that id. */
  onSpawn?: (pid: number) => void;
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
  /** The signal was aborted and the process group was stopped. */
  cancelled: boolean;
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

/**
 * Runs a program with an argv array — never through a shell — streaming its lines. It leads a
 * process group of its own (detached), so a timeout or a cancel stops everything it started.
 */
export function runProcess(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const keep = options.keepLines ?? 40;
  const lastLines: string[] = [];
  const onLine = (line: string) => {
    lastLines.push(line);
    if (lastLines.length > keep) lastLines.shift();
    options.onLine?.(line);
  };
  if (options.signal?.aborted) return Promise.resolve({ code: null, signal: null, timedOut: false, cancelled: true, lastLines });
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
      detached: true,
      ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {}),
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
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
    let cancelled = false;
    let escalation: NodeJS.Timeout | undefined;
    const cancel = () => {
      cancelled = true;
      killGroup(child.pid, 'SIGTERM');
      // What ignores SIGTERM (or a grandchild that outlives the leader) gets SIGKILL; the group's
      // id stays reserved while any member lives, so this reaches only what is left of it.
      escalation = setTimeout(() => killGroupOnly(child.pid, 'SIGKILL'), options.killAfterMs ?? 1000);
      escalation.unref();
    };
    options.signal?.addEventListener('abort', cancel, { once: true });
    child.on('error', (error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', cancel);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', cancel);
      out.end();
      err.end();
      const result = { code, signal, timedOut, cancelled, lastLines };
      if (!cancelled) {
        resolve(result);
        return;
      }
      // A cancelled run answers once nothing of its group is left (SIGKILL sees to it), so the
      // caller may remove the folder it ran in.
      void untilGroupGone(child.pid, (options.killAfterMs ?? 1000) + 1000).then(() => {
        clearTimeout(escalation);
        resolve(result);
      });
    });
  });
}

async function untilGroupGone(pid: number | undefined, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}

/** Whether any process of the group led by `pid` is still alive. */
export function groupAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Signals a process group, and nothing else if the group is already gone. */
function killGroupOnly(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
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
