import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessTable } from './process-usage.js';

const root = mkdtempSync(join(tmpdir(), 'servergem-proc-'));

/** A process as /proc shows it: stat fields from state on (pgrp third, utime..cstime 12th to 15th), VmRSS in kB. */
function proc(pid: number, o: { comm?: string; state?: string; pgrp: number; times: [number, number, number, number]; rssKb?: number }): void {
  const dir = join(root, String(pid));
  mkdirSync(dir, { recursive: true });
  const fields = [o.state ?? 'S', 1, o.pgrp, o.pgrp, 0, -1, 4194560, 0, 0, 0, 0, ...o.times, 20, 0, 1, 0, 12345, 1000, 100];
  writeFileSync(join(dir, 'stat'), `${pid} (${o.comm ?? 'node'}) ${fields.join(' ')}\n`);
  const rss = o.rssKb === undefined ? '' : `VmRSS:\t  ${o.rssKb} kB\n`;
  writeFileSync(join(dir, 'status'), `Name:\t${o.comm ?? 'node'}\nState:\t${o.state ?? 'S'}\n${rss}Threads:\t1\n`);
}

describe(ProcessTable.name, () => {
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // The app (group 100) and its child, a zombie of it, its log writer and front door (groups of their own).
  proc(100, { comm: 'npm start (x) y', pgrp: 100, times: [150, 50, 30, 20], rssKb: 50_000 });
  proc(101, { pgrp: 100, times: [10, 10, 0, 0], rssKb: 20_000 });
  proc(102, { state: 'Z', pgrp: 100, times: [5, 5, 0, 0] });
  proc(200, { pgrp: 200, times: [1, 1, 0, 0], rssKb: 40_000 });
  proc(300, { pgrp: 300, times: [1, 1, 0, 0], rssKb: 40_000 });

  it('sums memory and CPU time (with reaped children) over one process group only, counting its live processes', () => {
    const sut = ProcessTable.read(root);
    // (150+50+30+20 + 10+10 + 5+5) ticks at 100 a second; the zombie has no memory and is no process.
    expect(sut.usage(100, root)).toEqual({ memoryBytes: 70_000 * 1024, cpuSeconds: 2.8, processes: 2 });
    expect(sut.usage(200, root)).toEqual({ memoryBytes: 40_000 * 1024, cpuSeconds: 0.02, processes: 1 });
  });

  it('has nothing for a group with no process, or one whose processes went since it looked', () => {
    const sut = ProcessTable.read(root);
    expect(sut.usage(999, root)).toBeNull();
    proc(400, { pgrp: 400, times: [1, 0, 0, 0], rssKb: 1 });
    const before = ProcessTable.read(root);
    rmSync(join(root, '400'), { recursive: true });
    expect(before.usage(400, root)).toBeNull();
  });

  it('reads nothing where there is no /proc', () => {
    expect(ProcessTable.read(join(root, 'missing')).usage(100)).toBeNull();
  });

  it("finds this very process's group in the real /proc", () => {
    const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
    const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    const usage = ProcessTable.read().usage(group);
    expect(usage?.processes).toBeGreaterThanOrEqual(1);
    expect(usage?.memoryBytes).toBeGreaterThanOrEqual(process.memoryUsage().rss / 2);
  });
});
