import { readFileSync } from 'node:fs';

interface ProcStat {
  state: string;
  startTime: string;
}

function procStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses; fields after it are plain.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
  } catch {
    return null;
  }
}

/** The kernel's start time of a process (clock ticks since boot), or null where /proc is missing. */
export function processStartTime(pid: number): string | null {
  return procStat(pid)?.startTime ?? null;
}

/** Whether the process with this pid is alive and is the one recorded (not a reuse of its pid). */
export function isSameProcessAlive(pid: number, startTime: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (!stat) return startTime === null;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === null || stat.startTime === startTime;
}
