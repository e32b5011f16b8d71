import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiJson,
  deployOverSocket,
  dropSchema,
  freePort,
  installationEnv,
  startDistributed,
  startNatsServer,
  tempApps,
  TEST_DATABASE_URL,
  uniqueSchema,
  type Distributed,
} from '#testing';
import { completionsFile, expectLive, faultApp, follow } from './fault-checks.js';
import { removeInstallation } from './stop-local-apps.js';

const root = resolve(import.meta.dirname, '../..');

describe('distributed mode: NATS restarted mid-build', { timeout: 150_000 }, () => {
  const schema = uniqueSchema('e2e_faults_nats');
  const apps = tempApps('servergem-faults-nats-');
  let nats: ChildProcess;
  let port: number;
  let store: string;
  let home: string;
  let sut: Distributed;
  const completions = completionsFile();

  beforeAll(async () => {
    port = await freePort();
    store = mkdtempSync(join(tmpdir(), 'servergem-nats-'));
    nats = await startNatsServer(port, store);
    home = mkdtempSync(join(tmpdir(), 'servergem-faults-nats-'));
    sut = await startDistributed(
      root,
      installationEnv({ natsUrl: `nats://127.0.0.1:${port}`, databaseUrl: TEST_DATABASE_URL, namespace: schema, home }, { STEP_ACK_WAIT_SECONDS: '4' }),
    );
  });

  afterAll(async () => {
    await sut?.stop();
    nats?.kill('SIGKILL');
    await removeInstallation(home);
    await dropSchema(schema);
    rmSync(store, { recursive: true, force: true });
    apps.cleanup();
    completions.remove();
  });

  it('goes live: the job and its result are kept by JetStream across the restart, and a watcher misses nothing', async () => {
    const source = faultApp(apps, completions.path, { buildSeconds: 8 });
    const ended = deployOverSocket(sut, { repoUrl: source }, { timeoutMs: 140_000 });
    let id: string | undefined;
    await expect
      .poll(
        async () => {
          const list = await apiJson<{ deployments: { id: string; repoUrl: string }[] }>(sut, '/api/deployments').catch(() => ({ deployments: [] }));
          return (id = list.deployments.find((d) => d.repoUrl === source)?.id);
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBeDefined();
    const watch = await follow(sut, id!);
    await new Promise((r) => setTimeout(r, 5000));
    nats.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    nats = await startNatsServer(port, store);
    await expectLive(sut, await ended, id!, watch, completions.path);
  });
});
