import { readdirSync, readFileSync } from 'node:fs';

/** What one process group uses now. */
export interface GroupUsage {
  /** Resident memory of its live processes (VmRSS), in bytes. */
  memoryBytes: number;
  /** User + system CPU time of its processes and of the children they reaped, in seconds. */
  cpuSeconds: number;
  /** Its live processes (zombies not counted). */
  processes: number;
}

/**
 * The kernel reports CPU times in USER_HZ clock ticks, which Linux fixes at 100 on every
 * architecture Node runs on (sysconf(_SC_CLK_TCK) would mean spawning `getconf` to ask).
 */
const CLOCK_TICKS_PER_SECOND = 100;

interface ProcEntry {
  pid: number;
  pgrp: number;
  zombie: boolean;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
}

/**
 * One look at /proc: every process's group and CPU times, read once and shared by every service
 * asked about (a list of ten services reads /proc once, not ten times). No `ps`, nothing spawned.
 */
export class ProcessTable {
  private constructor(private readonly byGroup: ReadonlyMap<number, ProcEntry[]>) {}

  /** Reads /proc now; empty where there is no /proc (then nothing is measured). */
  static read(procRoot = '/proc'): ProcessTable {
    const byGroup = new Map<number, ProcEntry[]>();
    let names: string[];
    try {
      names = readdirSync(procRoot);
    } catch {
      return new ProcessTable(byGroup);
    }
    for (const name of names) {
      if (!/^[0-9]+$/.test(name)) continue;
      const entry = readStat(procRoot, Number(name));
      if (!entry) continue;
      const members = byGroup.get(entry.pgrp);
      if (members) members.push(entry);
      else byGroup.set(entry.pgrp, [entry]);
    }
    return new ProcessTable(byGroup);
  }

  /**
   * What the process group led by `pgid` uses, or null when no process of it is there (or /proc
   * does not show it). Memory is read only for the group's own processes.
   */
  usage(pgid: number, procRoot = '/proc'): GroupUsage | null {
    const members = this.byGroup.get(pgid);
    if (!members?.length) return null;
    let ticks = 0;
    let memoryBytes = 0;
    let processes = 0;
    for (const member of members) {
      // A zombie's own times are not yet in its parent's cutime/cstime: they still count.
      ticks += member.ticks;
      if (member.zombie) continue;
      const rss = residentBytes(procRoot, member.pid);
      // Gone since the table was read: neither its memory nor itself is there any more.
      if (rss === null) continue;
      memoryBytes += rss;
      processes += 1;
    }
    if (processes === 0) return null;
    return { memoryBytes, cpuSeconds: Math.round((ticks / CLOCK_TICKS_PER_SECOND) * 100) / 100, processes };
  }
}

function readStat(procRoot: string, pid: number): ProcEntry | null {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses; the fields after it are plain.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Counted from field 3 (state): pgrp is field 5, utime..cstime fields 14..17 (proc(5)).
  const pgrp = Number(fields[2]);
  const times = fields.slice(11, 15).map(Number);
  if (!Number.isInteger(pgrp) || times.length !== 4 || times.some((t) => !Number.isFinite(t))) return null;
  return { pid, pgrp, zombie: fields[0] === 'Z' || fields[0] === 'X', ticks: times.reduce((a, b) => a + b, 0) };
}

/** VmRSS of a process, in bytes; null once it is gone (a kernel thread or zombie has none: 0). */
function residentBytes(procRoot: string, pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const match = /^VmRSS:\s+([0-9]+)\s+kB/m.exec(text);
  return match ? Number(match[1]) * 1024 : 0;
}
