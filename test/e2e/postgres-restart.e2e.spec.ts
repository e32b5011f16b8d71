import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentSummary } from '#contracts';
import { apiFetch, apiJson, deployOverSocket, freePort } from '#testing';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const examples = resolve(import.meta.dirname, '../../examples');

/** Debian's PostgreSQL binaries: a server of the test's own, so the shared one is never restarted. */
function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const version = readdirSync(root).sort().at(-1);
  return version && existsSync(join(root, version, 'bin/pg_ctl')) ? join(root, version, 'bin') : null;
}

const bin = postgresBin();
// PostgreSQL never runs as root: as root, the server of this test runs as the postgres user.
const asRoot = userInfo().uid === 0;

describe.runIf(bin)('PostgreSQL restarted under a running ServerGem', { timeout: 180_000 }, () => {
  let data: string;
  let home: string;
  let port: number;
  let sut: AllInOne;

  const pgCtl = (...args: string[]) => {
    const argv = [join(bin!, 'pg_ctl'), '-D', data, ...args];
    execFileSync(asRoot ? 'runuser' : argv[0]!, asRoot ? ['-u', 'postgres', '--', ...argv] : argv.slice(1), { stdio: 'pipe', timeout: 60_000 });
  };
  const start = () => pgCtl('-w', '-l', join(data, 'server.log'), '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${data}`, 'start');

  beforeAll(async () => {
    data = mkdtempSync(join(tmpdir(), 'servergem-pg-'));
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(data, uid, gid);
    }
    chmodSync(data, 0o700);
    const initdb = [join(bin!, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'];
    execFileSync(asRoot ? 'runuser' : initdb[0]!, asRoot ? ['-u', 'postgres', '--', ...initdb] : initdb.slice(1), { stdio: 'pipe', timeout: 120_000 });
    port = await freePort();
    start();
    home = mkdtempSync(join(tmpdir(), 'servergem-pg-home-'));
    sut = await startAllInOne(
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SERVERGEM_HOME: home,
        PORT: '0',
        DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres`,
        APP_START_TIMEOUT_SECONDS: '20',
      },
      () => undefined,
    );
  });

  afterAll(async () => {
    await sut?.stop();
    await removeInstallation(home);
    try {
      pgCtl('-m', 'immediate', 'stop');
    } catch {
      // Already stopped by a failed test.
    }
    rmSync(data, { recursive: true, force: true });
  });

  it('fails requests in the window clearly, stores nothing it did not say, and works again once PostgreSQL is back', async () => {
    expect((await apiFetch(sut, '/api/deployments')).status).toBe(200);

    pgCtl('-m', 'immediate', 'stop');
    // REST: a 503 that says what happened and what to do, not "something went wrong".
    const rest = await apiFetch(sut, '/api/deployments');
    expect(rest.status).toBe(503);
    expect(await rest.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('cannot reach its database') });
    // A deploy asked for in the window is refused the same way, and no deployment is promised.
    const refused = await deployOverSocket(sut, { repoUrl: join(examples, 'node-hello') }, { timeoutMs: 60_000 });
    expect(refused.deploymentId).toBeUndefined();
    expect(refused.rejected).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });

    start();
    // The pool reconnects by itself: the same request works again.
    let back = 0;
    for (let tries = 0; tries < 50 && back !== 200; tries++) {
      back = (await apiFetch(sut, '/api/deployments')).status;
      if (back !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(back).toBe(200);
    expect((await apiJson<{ deployments: DeploymentSummary[] }>(sut, '/api/deployments')).deployments).toEqual([]);

    const deployed = await deployOverSocket(sut, { repoUrl: join(examples, 'node-hello') });
    expect(deployed.error).toBeUndefined();
    expect(deployed.complete?.url).toMatch(/^http:\/\//);
    const stored = (await apiJson<{ deployments: DeploymentSummary[] }>(sut, '/api/deployments')).deployments;
    expect(stored.map((d) => [d.id, d.status])).toEqual([[deployed.deploymentId, 'live']]);
  });
});
