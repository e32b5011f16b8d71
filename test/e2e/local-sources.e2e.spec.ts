import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiJson, deployOverSocket, dropSchema, TEST_DATABASE_URL, uniqueSchema, type ServerUnderTest } from '#testing';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const example = resolve(import.meta.dirname, '../../examples/node-hello');

describe('an all-in-one server listening beyond loopback takes no local folder or repository', () => {
  const schema = uniqueSchema();
  let home: string;
  let sut: AllInOne;
  let server: ServerUnderTest;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-public-'));
    sut = await startAllInOne(
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SERVERGEM_HOME: home,
        HOST: '0.0.0.0',
        PORT: '0',
        AUTH_TOKEN: randomBytes(24).toString('hex'),
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
      },
      () => undefined,
    );
    server = { url: `http://127.0.0.1:${new URL(sut.url).port}`, token: sut.token };
  });

  afterAll(async () => {
    await sut?.stop();
    await removeInstallation(home);
    await dropSchema(schema);
  });

  it.each([example, `file://${example}`, 'file:///etc', '/srv/app', '../../'])(
    'refuses %s with LOCAL_SOURCE_NOT_ALLOWED, and deploys nothing',
    async (repoUrl) => {
      const transcript = await deployOverSocket(server, { repoUrl }, { timeoutMs: 60_000 });

      expect(transcript.complete).toBeUndefined();
      expect(transcript.error).toMatchObject({ code: 'LOCAL_SOURCE_NOT_ALLOWED', hint: expect.stringContaining('https') });
      const { services } = await apiJson<{ services: unknown[] }>(server, '/api/services');
      expect(services).toEqual([]);
    },
  );
});
