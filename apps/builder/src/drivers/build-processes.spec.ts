import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupAlive, processStartTime } from '#common';
import { BuildProcesses } from './build-processes.js';

const dir = mkdtempSync(join(tmpdir(), 'servergem-build-processes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A build as the local driver runs one: a process group whose leader started a child of its own. */
function buildGroup(): number {
  const child = spawn('sh', ['-c', 'sleep 60 & sleep 60'], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid!;
}

const until = async (check: () => boolean) => expect.poll(check, { timeout: 5000, interval: 25 }).toBe(true);

describe(BuildProcesses.name, () => {
  it("stops what earlier attempts at the deployment's build still run, whole group, and nothing of others", async () => {
    const sut = new BuildProcesses(join(dir, 'earlier'));
    const earlier = buildGroup();
    const other = buildGroup();
    sut.running('d1', 1, earlier);
    sut.running('d2', 1, other);

    expect(sut.stopEarlier('d1', 2)).toBe(1);

    await until(() => !groupAlive(earlier));
    expect(groupAlive(other)).toBe(true);
    expect(sut.stopEarlier('d2', 1)).toBe(0);
    process.kill(-other, 'SIGKILL');
  });

  it('stops the builds of a builder that is gone, and leaves those of a live one running', async () => {
    const records = join(dir, 'orphans');
    const sut = new BuildProcesses(records);
    const mine = buildGroup();
    sut.running('d3', 1, mine);
    // A builder SIGKILLed mid-build left this record behind.
    const dead = spawn('true');
    await once(dead, 'exit');
    const orphan = buildGroup();
    writeFileSync(
      join(records, 'd4.1.json'),
      JSON.stringify({ host: hostname(), builder: { pid: dead.pid, startTime: 'gone' }, group: { pid: orphan, startTime: processStartTime(orphan) } }),
    );

    expect(sut.stopOrphans()).toBe(1);

    await until(() => !groupAlive(orphan));
    expect(groupAlive(mine)).toBe(true);
    expect(readdirSync(records)).toEqual(['d3.1.json']);
    sut.ended('d3', 1);
    expect(readdirSync(records)).toEqual([]);
    process.kill(-mine, 'SIGKILL');
  });

  it('leaves alone a process that reused the pid of a build that ended', () => {
    const records = join(dir, 'reused');
    const sut = new BuildProcesses(records);
    const stranger = buildGroup();
    sut.running('d5', 1, stranger);
    const record = join(records, 'd5.1.json');
    writeFileSync(record, JSON.stringify({ host: hostname(), builder: { pid: process.pid, startTime: null }, group: { pid: stranger, startTime: 'earlier' } }));

    expect(sut.stopEarlier('d5', 2)).toBe(0);
    expect(groupAlive(stranger)).toBe(true);
    process.kill(-stranger, 'SIGKILL');
  });
});
