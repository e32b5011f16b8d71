import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiJson,
  deployOverSocket,
  getText,
  isGapFree,
  installationEnv,
  startDistributed,
  type Distributed,
  dropSchema,
  uniqueSchema,
  TEST_DATABASE_URL,
} from '#testing';
import { removeInstallation } from './stop-local-apps.js';

const root = resolve(import.meta.dirname, '../..');
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const DATABASE_URL = TEST_DATABASE_URL;

describe('distributed: each service its own process, real NATS and PostgreSQL', () => {
  const schema = uniqueSchema();
  let sut: Distributed;
  let home: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-dist-'));
    // Its own subjects and schema; it deploys the repository's example folders (local sources allowed).
    sut = await startDistributed(root, installationEnv({ natsUrl: NATS_URL, databaseUrl: DATABASE_URL, namespace: schema, home }));
  });

  afterAll(async () => {
    await sut?.stop();
    // Deployed apps outlive ServerGem on purpose; the test stops the ones it started.
    await removeInstallation(home);
    await dropSchema(schema);
  });

  it('is ready: transport and database reachable', async () => {
    const ready = await apiJson<Record<string, string>>(sut, '/ready');
    expect(ready).toMatchObject({ status: 'ready', transport: 'up', database: 'up' });
  });

  it.each(['node-hello', 'node-express'])('deploys examples/%s to a URL that answers 200, with a gap-free log', async (example) => {
    const transcript = await deployOverSocket(sut, { repoUrl: join(root, 'examples', example) });
    expect(transcript.error).toBeUndefined();
    expect((await getText(transcript.complete!.url)).status).toBe(200);
    const { events } = await apiJson<{ events: { seq: number }[] }>(sut, `/api/deployments/${transcript.deploymentId}`);
    expect(isGapFree(events.map((e) => e.seq))).toBe(true);
    expect(transcript.updates.map((u) => u.seq)).toEqual(events.map((e) => e.seq));
  });

  it('refuses a non-https URL with a clear error', async () => {
    const transcript = await deployOverSocket(sut, { repoUrl: 'http://github.com/owner/repo' });
    expect(transcript.error).toMatchObject({ code: 'INVALID_SOURCE' });
    expect(transcript.error!.message).toMatch(/https/);
  });

  it('counts deployments by status in /stats', async () => {
    const stats = await apiJson<{ deploymentsByStatus: Record<string, number> }>(sut, '/stats');
    expect(stats.deploymentsByStatus.live).toBeGreaterThanOrEqual(2);
    expect(stats.deploymentsByStatus.failed).toBeGreaterThanOrEqual(1);
  });
});
