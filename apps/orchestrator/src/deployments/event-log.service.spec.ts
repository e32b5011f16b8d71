import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { SecretBox } from '#common';
import type { MessageBus } from '#messaging';
import { openDatabase } from '../database/data-source.js';
import { DeploymentEntity } from '../database/deployment.entity.js';
import { DeploymentMetrics } from './deployment-metrics.js';
import { DeploymentRedactors } from './deployment-redactors.js';
import { EventLog } from './event-log.service.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe(EventLog.name, () => {
  const schema = `unit_${randomBytes(4).toString('hex')}`;
  const published: number[] = [];
  const secrets = new SecretBox('event-log-spec');
  const token = `ghp_${randomBytes(18).toString('hex')}`;
  let db: DataSource;
  let sut: EventLog;

  beforeAll(async () => {
    db = await openDatabase(DATABASE_URL, schema);
    const bus = { emit: async (_def: unknown, event: { seq: number }) => void published.push(event.seq) } as unknown as MessageBus;
    sut = new EventLog(db, bus, new DeploymentRedactors(secrets), new DeploymentMetrics(db));
  });

  afterAll(async () => {
    await db.query(`DROP SCHEMA ${schema} CASCADE`);
    await db.destroy();
  });

  async function newDeployment(sealedToken: string | null = null): Promise<string> {
    const id = randomUUID();
    await db
      .getRepository(DeploymentEntity)
      .insert({ id, owner: 'local', status: 'queued', stage: 'queued', progress: 0, repoUrl: '/x', target: 'local', sealedToken });
    return id;
  }

  it('gives 200 concurrent appends a gap-free seq, published in order', async () => {
    const id = await newDeployment();
    published.length = 0;
    await Promise.all(Array.from({ length: 200 }, (_, i) => sut.append(id, { stage: 'building', message: `line ${i}` })));
    const rows: { seq: number }[] = await db.query(`SELECT seq FROM deployment_events WHERE deployment_id = $1 ORDER BY seq`, [id]);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(published).toEqual(rows.map((r) => r.seq));
  });

  it('never moves the stage back nor the progress down', async () => {
    const id = await newDeployment();
    const a = await sut.append(id, { stage: 'building', message: '', fraction: 0.5 });
    const b = await sut.append(id, { stage: 'cloning', message: 'a late line from the analyzer' });
    const c = await sut.append(id, { stage: 'building', message: '', fraction: 0.1 });
    expect(b.stage).toBe('building');
    expect(b.progress).toBeGreaterThanOrEqual(a.progress);
    expect(c.progress).toBeGreaterThanOrEqual(b.progress);
  });

  it('reaches 100 when live and marks the deployment running once work starts', async () => {
    const id = await newDeployment();
    await sut.append(id, { stage: 'cloning', message: '' });
    expect((await db.getRepository(DeploymentEntity).findOneByOrFail({ id })).status).toBe('running');
    const live = await sut.append(id, { stage: 'live', message: '', outcome: { kind: 'complete', url: 'u', serviceName: 's', region: 'r', image: 'i' } });
    expect(live.progress).toBe(100);
  });

  it('stores and publishes every event redacted with the deployment’s own token', async () => {
    const id = await newDeployment(secrets.seal(token));
    const basic = Buffer.from(`git:${token}`).toString('base64');
    const event = await sut.append(id, {
      stage: 'failed',
      message: `failed with ${token}`,
      logs: [`echo ${Buffer.from(`${token}\n`).toString('base64')}`, `Basic ${basic}`, 'npm ERR! code 1'],
      outcome: { kind: 'error', stage: 'building', code: 'BUILD_FAILED', message: `x ${token}`, hint: `y ${encodeURIComponent(token)}` },
    });
    expect(event).toMatchObject({
      message: 'failed with [redacted]',
      logs: ['echo [redacted]', 'Basic [redacted]', 'npm ERR! code 1'],
      outcome: { message: 'x [redacted]', hint: 'y [redacted]' },
    });
    const stored: unknown[] = await db.query(`SELECT row_to_json(e)::text AS row FROM deployment_events e WHERE deployment_id = $1`, [id]);
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(JSON.stringify(stored)).not.toContain(basic);
    // The last event ends the token's life on the deployment.
    expect((await db.getRepository(DeploymentEntity).findOneByOrFail({ id })).sealedToken).toBeNull();
  });

  it('stores the lines of a deployment without a token as they came', async () => {
    const id = await newDeployment();
    const event = await sut.append(id, { stage: 'building', message: '', logs: [`a line mentioning ${token}`] });
    expect(event.logs).toEqual([`a line mentioning ${token}`]);
  });

  it('keeps a line with a NUL in it (PostgreSQL refuses NUL in text), showing it as U+FFFD', async () => {
    const id = await newDeployment();
    const event = await sut.append(id, { stage: 'building', message: 'a\0b', logs: ['binary \0 output'] });
    expect(event).toMatchObject({ message: 'a\uFFFDb', logs: ['binary \uFFFD output'] });
  });
});
