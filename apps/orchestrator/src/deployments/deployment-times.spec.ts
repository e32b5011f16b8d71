import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import type { Stage } from '#contracts';
import { openDatabase } from '../database/data-source.js';
import { DeploymentEntity } from '../database/deployment.entity.js';
import { deploymentTimes } from './deployment-times.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe(deploymentTimes.name, () => {
  const schema = `unit_${randomBytes(4).toString('hex')}`;
  let db: DataSource;

  beforeAll(async () => {
    db = await openDatabase(DATABASE_URL, schema);
  });

  afterAll(async () => {
    await db.query(`DROP SCHEMA ${schema} CASCADE`);
    await db.destroy();
  });

  /** A deployment whose events were stored at these seconds. */
  async function deployment(events: [Stage, number][]): Promise<string> {
    const id = randomUUID();
    await db.getRepository(DeploymentEntity).insert({ id, owner: 'local', status: 'running', stage: 'queued', progress: 0, repoUrl: '/x', target: 'local' });
    for (const [i, [stage, s]] of events.entries()) {
      await db.query(
        `INSERT INTO deployment_events (deployment_id, seq, stage, progress, message, created_at) VALUES ($1, $2, $3, 0, '', timestamptz '2026-01-01 12:00:00Z' + $4 * interval '1 second')`,
        [id, i + 1, stage, s],
      );
    }
    return id;
  }

  it('splits a finished deployment into its build (source to artifact) and its deploy, from its stored events', async () => {
    const live = await deployment([
      ['queued', 0],
      ['cloning', 2],
      ['analyzing', 3],
      ['building', 4],
      ['building', 9.5],
      ['deploying', 14.25],
      ['verifying', 15],
      ['live', 16.5],
      // A late line stored under the final stage does not move the end.
      ['live', 40],
    ]);
    const failed = await deployment([
      ['queued', 0],
      ['cloning', 1],
      ['building', 2],
      ['failed', 7],
    ]);
    const running = await deployment([
      ['queued', 0],
      ['building', 1],
    ]);
    const times = await deploymentTimes(db, [live, failed, running, randomUUID()]);
    expect(times.get(live)).toEqual({ buildMs: 12_250, deployMs: 2_250 });
    expect(times.get(failed)).toEqual({ buildMs: 6_000, deployMs: null });
    expect(times.has(running)).toBe(false);
    expect(times.size).toBe(2);
  });

  it('gives a settings change (no build) its deploy time only', async () => {
    const id = await deployment([
      ['queued', 0],
      ['deploying', 0.5],
      ['live', 3],
    ]);
    expect((await deploymentTimes(db, [id])).get(id)).toEqual({ buildMs: null, deployMs: 2_500 });
  });
});
