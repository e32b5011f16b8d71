import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isSameProcessAlive, processStartTime } from './process-info.js';

describe('process identity', () => {
  it('recognises a live process by pid and start time, and refuses a reused pid', () => {
    const startTime = processStartTime(process.pid);
    expect(startTime).toMatch(/^\d+$/);
    expect(isSameProcessAlive(process.pid, startTime)).toBe(true);
    expect(isSameProcessAlive(process.pid, String(Number(startTime) + 1))).toBe(false);
  });

  it('reports a process that has exited as dead', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    const startTime = processStartTime(pid);
    await once(child, 'exit');
    expect(isSameProcessAlive(pid, startTime)).toBe(false);
  });
});
