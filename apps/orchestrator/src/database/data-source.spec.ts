import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '#testing';
import { openDatabase } from './data-source.js';

describe(openDatabase.name, () => {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  it('opens a new schema from orchestrators starting at the same moment (replicas started together): one creates and migrates it, the others wait', async () => {
    // Five fresh schemas, three orchestrators each: two `CREATE SCHEMA IF NOT EXISTS` at once can both try to insert it.
    for (let round = 0; round < 5; round++) {
      const schema = uniqueSchema('ds_race');
      schemas.push(schema);
      const opened = await Promise.allSettled([1, 2, 3].map(() => openDatabase(TEST_DATABASE_URL, schema)));
      for (const result of opened) if (result.status === 'fulfilled') await result.value.destroy();
      expect(opened.map((r) => (r.status === 'rejected' ? String(r.reason) : 'opened'))).toEqual(['opened', 'opened', 'opened']);
    }
  });
});
