// What measuring a service's usage costs, in one run: one read of /proc summing a process group's
// memory and CPU time (what `servergem status` and GET /api/services do per list), against asking
// `ps` for the same group (spawning it), the baseline. The group measured is this process's own.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = resolve(import.meta.dirname, '..');
const { ProcessTable } = await import(join(root, 'dist/apps/deployer/src/runtime/process-usage.js'));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);

const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (work) => {
  work(); // warm up
  const runs = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    work();
    runs.push(performance.now() - started);
  }
  return median(runs);
};

const proc = time(() => ProcessTable.read().usage(group));
const ps = time(() =>
  execFileSync('ps', ['-e', '-o', 'pgid=,rss=,time='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => Number(line.trim().split(/\s+/)[0]) === group),
);
const processes = execFileSync('sh', ['-c', 'ls -d /proc/[0-9]* | wc -l'], { encoding: 'utf8' }).trim();
console.log(`ServerGem usage bench (${processes} processes on this machine, ${ROUNDS} rounds each)\n`);
console.log(`  /proc, one read of the table and the group's VmRSS:  median ${proc.toFixed(3)} ms`);
console.log(`  ps -e, filtered to the group (spawned), the baseline: median ${ps.toFixed(3)} ms`);
console.log(`  ratio: ${(proc / ps).toFixed(3)}x of the baseline`);
