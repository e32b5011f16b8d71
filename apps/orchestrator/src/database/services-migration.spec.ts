import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '#testing';
import { createDataSource, MIGRATIONS, openDatabase } from './data-source.js';
import { Services1766000000000 } from './migrations/1766000000000-services.js';

describe(Services1766000000000.name, () => {
  const schema = uniqueSchema('svcmig');
  const open: DataSource[] = [];

  afterAll(async () => {
    for (const db of open) if (db.isInitialized) await db.destroy();
    await dropSchema(schema);
  });

  it('adopts the services deployed before it: the first owner of a name keeps it, its latest live deployment serves', async () => {
    // The schema as it was before services existed.
    const before = createDataSource(TEST_DATABASE_URL, schema);
    (before.options as { migrations: unknown[] }).migrations = MIGRATIONS.slice(0, MIGRATIONS.indexOf(Services1766000000000));
    await before.initialize();
    open.push(before);
    await before.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await before.runMigrations();
    const insert = (owner: string, service: string, status: string, target: string, minutesAgo: number) => {
      const id = randomUUID();
      return before
        .query(
          `INSERT INTO deployments (id, owner, status, stage, repo_url, target, service_name, url, region, created_at)
           VALUES ($1, $2, $3, $3, '/srv/app', $4, $5, 'http://u', 'local', now() - make_interval(mins => $6))`,
          [id, owner, status, target, service, minutesAgo],
        )
        .then(() => id);
    };
    await insert('alice', 'api', 'live', 'local', 30);
    const aliceLatest = await insert('alice', 'api', 'live', 'local', 10);
    await insert('alice', 'api', 'failed', 'local', 5);
    const mallory = await insert('mallory', 'api', 'live', 'local', 1);
    const cloud = await insert('bob', 'web', 'live', 'cloudrun', 3);
    await before.destroy();

    const db = await openDatabase(TEST_DATABASE_URL, schema);
    open.push(db);
    const services: Record<string, unknown>[] = await db.query(
      `SELECT owner, name, target, current_revision, current_deployment_id FROM services ORDER BY name`,
    );
    expect(services).toEqual([
      { owner: 'alice', name: 'api', target: 'local', current_revision: aliceLatest, current_deployment_id: aliceLatest },
      { owner: 'bob', name: 'web', target: 'cloudrun', current_revision: `web-${cloud.slice(0, 8)}`, current_deployment_id: cloud },
    ]);
    const linked: { id: string; service_id: string | null }[] = await db.query(`SELECT id, service_id FROM deployments`);
    expect(linked.filter((d) => d.service_id === null).map((d) => d.id)).toEqual([mallory]);
  });
});
