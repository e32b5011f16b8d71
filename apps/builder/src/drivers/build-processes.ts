import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { groupAlive, isSameProcessAlive, processStartTime } from '#common';

const processSchema = z.object({ pid: z.number().int().positive(), startTime: z.string().nullable() });
const recordSchema = z.object({
  host: z.string(),
  /** The builder process running the attempt. */
  builder: processSchema,
  /** The process group of the command it runs now (its leader). */
  group: processSchema,
});
type BuildRecord = z.infer<typeof recordSchema>;

const FILE = /^([A-Za-z0-9-]+)\.(\d+)\.json$/;

/**
 * The process groups the local builds of this machine run, one file per attempt at a deployment's
 * build, in ServerGem's private home (the app user cannot write there): at most one attempt at a
 * build runs to completion. An attempt is given up when its builder is SIGKILLed or goes silent
 * and its job goes to another delivery; what it still runs is stopped, whole group, by the next
 * attempt before it starts, and by any builder of the machine that finds its builder gone.
 */
export class BuildProcesses {
  private readonly me = { pid: process.pid, startTime: processStartTime(process.pid) };

  constructor(private readonly dir: string) {}

  /** An attempt's command runs as the process group `pid` leads. */
  running(deploymentId: string, attempt: number, pid: number): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const record: BuildRecord = { host: hostname(), builder: this.me, group: { pid, startTime: processStartTime(pid) } };
    const file = this.file(deploymentId, attempt);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(record), { mode: 0o600 });
    renameSync(temp, file);
  }

  /** The attempt's command ended: nothing of it runs any more. */
  ended(deploymentId: string, attempt: number): void {
    rmSync(this.file(deploymentId, attempt), { force: true });
  }

  /** Stops what earlier attempts at the deployment's build still run; how many process groups that was. */
  stopEarlier(deploymentId: string, attempt: number): number {
    return this.stop((id, n) => id === deploymentId && n < attempt);
  }

  /** Stops every build whose builder, on this machine, is gone (SIGKILLed, crashed): nobody waits for it. */
  stopOrphans(): number {
    return this.stop((_id, _n, record) => record.host === hostname() && !isSameProcessAlive(record.builder.pid, record.builder.startTime));
  }

  private stop(which: (deploymentId: string, attempt: number, record: BuildRecord) => boolean): number {
    let stopped = 0;
    for (const name of list(this.dir)) {
      const match = FILE.exec(name);
      if (!match) continue;
      const record = read(join(this.dir, name));
      if (!record || !which(match[1]!, Number(match[2]), record)) continue;
      if (record.host === hostname() && killGroupOf(record.group)) stopped++;
      rmSync(join(this.dir, name), { force: true });
    }
    return stopped;
  }

  private file(deploymentId: string, attempt: number): string {
    if (!/^[A-Za-z0-9-]+$/.test(deploymentId)) throw new Error(`not a deployment id: ${JSON.stringify(deploymentId)}`);
    return join(this.dir, `${deploymentId}.${Math.trunc(attempt)}.json`);
  }
}

/**
 * SIGKILLs the group if it is the recorded one: its leader is the recorded process, or no process
 * has the leader's pid and members of its group are left (a group's id is not reused while any
 * member lives). A leader's pid reused by another process is left alone.
 */
function killGroupOf(group: z.infer<typeof processSchema>): boolean {
  const ours = isSameProcessAlive(group.pid, group.startTime) || (!isSameProcessAlive(group.pid, null) && groupAlive(group.pid));
  if (!ours) return false;
  try {
    process.kill(-group.pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function read(file: string): BuildRecord | null {
  try {
    return recordSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return null;
  }
}
