import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isFrontDoorAlive, startFrontDoor, stopFrontDoor, type FrontDoorRecord } from './front-door.js';

async function upstream(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end(name));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

describe('front door process', () => {
  const cleanup: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });

  function stateDir(): { file: string; write: (state: object) => void } {
    const dir = mkdtempSync(join(tmpdir(), 'servergem-door-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'state.json');
    let n = 0;
    // As the deployer writes it: a whole new file renamed over the old one.
    const write = (state: object) => {
      const temp = join(dir, `.state.${n++}.tmp`);
      writeFileSync(temp, JSON.stringify(state));
      renameSync(temp, file);
    };
    return { file, write };
  }

  async function door(file: string, port = 0): Promise<FrontDoorRecord> {
    const record = await startFrontDoor({ stateFile: file, host: '127.0.0.1', bind: '127.0.0.1', port, logFile: `${file}.log` });
    cleanup.push(() => stopFrontDoor(record));
    return record;
  }

  it('follows state.json: the app serving now, 503 while stopped, and a new target as soon as the file is replaced', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    cleanup.push(
      () => new Promise((r) => a.server.close(r)),
      () => new Promise((r) => b.server.close(r)),
    );
    const state = stateDir();
    state.write({ desired: 'running', process: { privatePort: a.port } });
    const record = await door(state.file);
    const url = `http://127.0.0.1:${record.port}/`;
    expect(await (await fetch(url)).text()).toBe('a');

    state.write({ desired: 'running', process: { privatePort: b.port } });
    expect(await (await fetch(url)).text()).toBe('b');

    state.write({ desired: 'stopped', process: null });
    const stopped = await fetch(url);
    expect(stopped.status).toBe(503);
    expect(await stopped.text()).toContain('not running');
  });

  it('refuses a port that is taken with EADDRINUSE, and leaves no process behind', async () => {
    const taken = await upstream('x');
    cleanup.push(() => new Promise((r) => taken.server.close(r)));
    const state = stateDir();
    state.write({ desired: 'running', process: null });
    await expect(door(state.file, taken.port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('is stopped by stopFrontDoor, and goes by itself once its service is deleted', async () => {
    const state = stateDir();
    state.write({ desired: 'running', process: null });
    const first = await door(state.file);
    expect(isFrontDoorAlive(first)).toBe(true);
    await stopFrontDoor(first);
    expect(isFrontDoorAlive(first)).toBe(false);

    const second = await door(state.file);
    rmSync(state.file);
    const deadline = Date.now() + 15_000;
    while (isFrontDoorAlive(second) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(isFrontDoorAlive(second)).toBe(false);
  });
});
