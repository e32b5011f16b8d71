import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployOverSocket, FakeCloudBuild, FakeCloudRun, FakeCloudStorage, getText, isGapFree, dropSchema, uniqueSchema, TEST_DATABASE_URL } from '#testing';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const DATABASE_URL = TEST_DATABASE_URL;
const example = resolve(import.meta.dirname, '../../examples/node-hello');

describe('cloudrun target end to end: Cloud Build and Cloud Run (the official clients against local fakes)', () => {
  const schema = uniqueSchema();
  let storage: FakeCloudStorage;
  let cloudBuild: FakeCloudBuild;
  let cloudRun: FakeCloudRun;
  let sut: AllInOne;
  let home: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-cloud-'));
    storage = await FakeCloudStorage.start();
    cloudBuild = await FakeCloudBuild.start(storage, { tickMs: 20 });
    cloudRun = await FakeCloudRun.start();
    sut = await startAllInOne(
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SERVERGEM_HOME: home,
        PORT: '0',
        DATABASE_URL,
        DATABASE_SCHEMA: schema,
        GOOGLE_CLOUD_PROJECT: 'servergem-test',
        GOOGLE_CLOUD_REGION: 'europe-west1',
        CLOUDBUILD_API_ENDPOINT: `http://127.0.0.1:${cloudBuild.port}`,
        STORAGE_API_ENDPOINT: storage.endpoint,
        CLOUDRUN_API_ENDPOINT: `http://127.0.0.1:${cloudRun.port}`,
        CLOUDRUN_READY_TIMEOUT_SECONDS: '20',
      },
      () => undefined,
    );
  });

  afterAll(async () => {
    await sut?.stop();
    await cloudBuild?.stop();
    await cloudRun?.stop();
    await storage?.stop();
    rmSync(home, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it('uploads, builds with real log lines reaching the socket in order, deploys and verifies a revision', async () => {
    const logLines = Array.from({ length: 25 }, (_, i) => `Step ${i + 1}/25 : build line ${i + 1}`);
    cloudBuild.script({ logLines, terminal: 'SUCCESS', digest: `sha256:${'a'.repeat(64)}` });

    const transcript = await deployOverSocket(sut, { repoUrl: example });

    expect(transcript.error).toBeUndefined();
    expect(transcript.complete).toMatchObject({ service_name: 'node-hello', region: 'europe-west1' });
    expect(transcript.complete!.image).toBe(`europe-west1-docker.pkg.dev/servergem-test/servergem/node-hello@sha256:${'a'.repeat(64)}`);
    expect((await getText(transcript.complete!.url)).status).toBe(200);
    expect(isGapFree(transcript.updates.map((u) => u.seq))).toBe(true);
    const lines = transcript.updates.flatMap((u) => u.logs);
    const positions = logLines.map((line) => lines.indexOf(line));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(cloudBuild.created).toHaveLength(1);
    const stages = transcript.updates.map((u) => u.stage);
    expect(stages).toContain('building');
    expect(stages).toContain('verifying');
  });

  it('ends failed with the build log tail and a hint when Cloud Build reports FAILURE', async () => {
    cloudBuild.script({ logLines: ['Step 1/3 : FROM node:22-slim', 'npm ERR! missing script: build'], terminal: 'FAILURE' });
    const transcript = await deployOverSocket(sut, { repoUrl: example });
    expect(transcript.error).toMatchObject({ code: 'BUILD_FAILED' });
    expect(transcript.error!.hint).not.toBe('');
    expect(transcript.updates.flatMap((u) => u.logs)).toContain('npm ERR! missing script: build');
  });
});
