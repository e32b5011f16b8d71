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
  const batches: number[] = [];
  const secrets = new SecretBox('event-log-spec');
  const token = `ghp_${randomBytes(18).toString('hex')}`;
  let db: DataSource;
  let sut: EventLog;

  beforeAll(async () => {
    db = await openDatabase(DATABASE_URL, schema);
    const bus = {
      emit: async (_def: unknown, batch: { events: { seq: number }[] }) => {
        batches.push(batch.events.length);
        published.push(...batch.events.map((e) => e.seq));
      },
    } as unknown as MessageBus;
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
    await sut.fannedOut();
    expect(published).toEqual(rows.map((r) => r.seq));
  });

  it('stores a burst in batches of at most 256, each fanned out in one message, seq still gap-free and in order', async () => {
    const [a, b] = [await newDeployment(), await newDeployment()];
    published.length = 0;
    batches.length = 0;
    const appends = Array.from({ length: 600 }, (_, i) => sut.append(i % 2 ? a : b, { stage: 'building', message: '', logs: [`line ${i}`] }));
    const events = await Promise.all(appends);
    await sut.fannedOut();
    for (const id of [a, b]) {
      const rows: { seq: number; logs: string[] }[] = await db.query(`SELECT seq, logs FROM deployment_events WHERE deployment_id = $1 ORDER BY seq`, [id]);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      // Each append got the seq its line was stored under, in the order they were made.
      const mine = events.filter((e) => e.deploymentId === id);
      expect(mine.map((e) => e.seq)).toEqual(rows.map((r) => r.seq));
      expect(mine.map((e) => e.logs[0])).toEqual(rows.map((r) => r.logs[0]));
    }
    expect(Math.max(...batches)).toBeLessThanOrEqual(256);
    expect(batches.length).toBeLessThan(600);
    expect(events.every((e) => !Number.isNaN(Date.parse(e.createdAt)))).toBe(true);
  });

  it('keeps seq gap-free when two orchestrators append to one deployment in turns and together', async () => {
    const id = await newDeployment();
    const other = new EventLog(db, { emit: async () => undefined } as unknown as MessageBus, new DeploymentRedactors(secrets));
    const seqs: number[] = [];
    for (let i = 0; i < 6; i++) seqs.push((await (i % 3 === 2 ? other : sut).append(id, { stage: 'building', message: '', logs: [`line ${i}`] })).seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6]);
    const together = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? other : sut).append(id, { stage: 'building', message: '', logs: [`more ${i}`] })),
    );
    const rows: { seq: number; logs: string[] }[] = await db.query(`SELECT seq, logs FROM deployment_events WHERE deployment_id = $1 ORDER BY seq`, [id]);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 46 }, (_, i) => i + 1));
    expect(new Set(together.map((e) => e.seq)).size).toBe(40);
    for (const event of together) expect(rows[event.seq - 1]!.logs).toEqual(event.logs);
    expect((await db.getRepository(DeploymentEntity).findOneByOrFail({ id })).lastSeq).toBe(46);
  });

  it('reads the deployment again when something else has moved it: a stage set by the workflow, a token given later', async () => {
    const id = await newDeployment();
    await sut.append(id, { stage: 'building', message: 'building' });
    await sut.append(id, { stage: 'building', message: '', logs: ['one'] });
    await db.getRepository(DeploymentEntity).update({ id }, { status: 'live', stage: 'live', progress: 100 });
    const late = await sut.append(id, { stage: 'building', message: '', logs: ['a late line'] });
    expect(late).toMatchObject({ seq: 3, stage: 'live', progress: 100 });
    const next = await newDeployment();
    await sut.append(next, { stage: 'building', message: '', logs: ['before the token'] });
    await db.getRepository(DeploymentEntity).update({ id: next }, { sealedToken: secrets.seal(token) });
    const after = await sut.append(next, { stage: 'building', message: '', logs: [`git push ${token}`] });
    expect(after.logs).toEqual(['git push [redacted]']);
  });

  it('marks the deployment running and clears its token at its end from the one-statement path too', async () => {
    const id = await newDeployment(secrets.seal(token));
    await sut.append(id, { stage: 'queued', message: 'queued' });
    await sut.append(id, { stage: 'queued', message: 'still queued' });
    expect((await db.getRepository(DeploymentEntity).findOneByOrFail({ id })).status).toBe('queued');
    await sut.append(id, { stage: 'cloning', message: `cloning with ${token}` });
    const running = await db.getRepository(DeploymentEntity).findOneByOrFail({ id });
    expect(running).toMatchObject({ status: 'running', stage: 'cloning', lastSeq: 3 });
    expect(running.startedAt).not.toBeNull();
    const end = await sut.append(id, {
      stage: 'failed',
      message: token,
      outcome: { kind: 'error', stage: 'cloning', code: 'CLONE_FAILED', message: token, hint: 'h' },
    });
    expect(end).toMatchObject({ seq: 4, message: '[redacted]', outcome: { message: '[redacted]' } });
    expect((await db.getRepository(DeploymentEntity).findOneByOrFail({ id })).sealedToken).toBeNull();
    const stored: { message: string }[] = await db.query(`SELECT message FROM deployment_events WHERE deployment_id = $1 ORDER BY seq`, [id]);
    expect(stored.map((r) => r.message)).toEqual(['queued', 'still queued', 'cloning with [redacted]', '[redacted]']);
  });

  it('refuses appends to a deployment that does not exist, and goes on with the others', async () => {
    const id = await newDeployment();
    const missing = sut.append(randomUUID(), { stage: 'building', message: 'x' });
    const fine = sut.append(id, { stage: 'building', message: 'y' });
    await expect(missing).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(fine).resolves.toMatchObject({ seq: 1 });
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
