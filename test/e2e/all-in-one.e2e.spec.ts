import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiJson, deployOverSocket, getText, gitRepoFrom, isGapFree } from '#testing';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const examples = resolve(import.meta.dirname, '../../examples');

describe('all-in-one: in-process transport, embedded PostgreSQL', () => {
  let sut: AllInOne;
  let home: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-e2e-'));
    sut = await startAllInOne(
      { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', APP_START_TIMEOUT_SECONDS: '4' },
      () => undefined,
    );
  });

  afterAll(async () => {
    await sut?.stop();
    // Deployed apps outlive ServerGem on purpose; the test stops the ones it started.
    await removeInstallation(home);
  });

  it.each(['node-hello', 'node-express', 'python-hello'])('deploys examples/%s to a URL that answers 200, with a gap-free log', async (example) => {
    const transcript = await deployOverSocket(sut, { repoUrl: join(examples, example) });

    expect(transcript.error).toBeUndefined();
    expect(transcript.complete?.service_name).toBe(example);
    expect((await getText(transcript.complete!.url)).status).toBe(200);
    expect(isGapFree(transcript.updates.map((u) => u.seq))).toBe(true);
    const progress = transcript.updates.map((u) => u.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(transcript.updates.at(-1)).toMatchObject({ stage: 'live', progress: 100 });

    const stored = await apiJson<{
      deployment: { status: string; url: string };
      events: { seq: number; logs: string[] }[];
    }>(sut, `/api/deployments/${transcript.deploymentId}`);
    expect(stored.deployment).toMatchObject({ status: 'live', url: transcript.complete!.url });
    expect(isGapFree(stored.events.map((e) => e.seq))).toBe(true);
    expect(stored.events.map((e) => e.seq)).toEqual(transcript.updates.map((u) => u.seq));
    // The real lines of the app itself reached the log.
    expect(stored.events.flatMap((e) => e.logs).some((line) => line.includes(`${example} listening on port`))).toBe(true);
  });

  it('runs the real npm install and build of the example with a lockfile', async () => {
    const transcript = await deployOverSocket(sut, { repoUrl: join(examples, 'node-express') });
    const lines = transcript.updates.flatMap((u) => u.logs);
    expect(lines).toContain('$ npm ci');
    expect(lines.some((l) => /added \d+ packages/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('wrote build-info.json'))).toBe(true);
  });

  it('deploys a git repository at its commit, and records the commit SHA', async () => {
    const repo = gitRepoFrom(join(examples, 'node-hello'));
    const transcript = await deployOverSocket(sut, { repoUrl: repo, branch: 'main' });
    expect(transcript.complete).toBeDefined();
    const { deployment } = await apiJson<{ deployment: { commitSha: string } }>(sut, `/api/deployments/${transcript.deploymentId}`);
    expect(deployment.commitSha).toMatch(/^[0-9a-f]{40}$/);
    rmSync(repo, { recursive: true, force: true });
  });

  it('gives the second of two identical deploy messages the first one’s deployment', async () => {
    const clientMessageId = 'double-click-1';
    const [first, second] = await Promise.all([
      deployOverSocket(sut, { repoUrl: join(examples, 'node-hello') }, { clientMessageId }),
      deployOverSocket(sut, { repoUrl: join(examples, 'node-hello') }, { clientMessageId }),
    ]);
    expect(first.deploymentId).toBeDefined();
    expect(second.deploymentId).toBe(first.deploymentId);
  });

  describe('bad input gets a clear error', () => {
    it('a repository that does not exist', async () => {
      const transcript = await deployOverSocket(sut, { repoUrl: join(home, 'no-such-repo') });
      expect(transcript.error).toMatchObject({ code: 'REPO_NOT_FOUND', stage: 'cloning' });
      expect(transcript.error!.hint).not.toBe('');
    });

    it('a branch that does not exist', async () => {
      const repo = gitRepoFrom(join(examples, 'node-hello'));
      const transcript = await deployOverSocket(sut, { repoUrl: repo, branch: 'no-such-branch' });
      expect(transcript.error).toMatchObject({ code: 'BRANCH_NOT_FOUND', stage: 'cloning' });
      expect(transcript.error!.message).toContain('no-such-branch');
      rmSync(repo, { recursive: true, force: true });
    });

    it('a branch starting with "-" is refused before git runs', async () => {
      const marker = join(home, 'pwned');
      const transcript = await deployOverSocket(sut, { repoUrl: join(examples, 'node-hello'), branch: `--upload-pack=touch ${marker}` });
      expect(transcript.error).toMatchObject({ code: 'INVALID_BRANCH' });
      const logs = transcript.updates.flatMap((u) => u.logs);
      expect(logs.filter((l) => l.includes('upload-pack'))).toEqual([]);
    });

    it('an app that never listens fails in bounded time with its last log lines and a hint', async () => {
      const transcript = await deployOverSocket(sut, { repoUrl: resolve(import.meta.dirname, '../fixtures/never-listens') });
      expect(transcript.error).toMatchObject({ code: 'APP_NOT_LISTENING', stage: 'verifying' });
      expect(transcript.error!.hint).toMatch(/PORT/);
      const logs = transcript.updates.flatMap((u) => u.logs);
      expect(logs).toContain('worker booting');
      expect(transcript.updates.at(-1)).toMatchObject({ stage: 'failed' });
      expect(isGapFree(transcript.updates.map((u) => u.seq))).toBe(true);
    });

    it('a malformed message gets a validation error and the server stays up', async () => {
      const { connect } = await import('#testing');
      const socket = connect(sut);
      const rejected = await new Promise<{ code: string }>((done) => {
        socket.on('request_error', (e) => done(e.data));
        socket.emit('message', { type: 'message', message: 42 } as never);
      });
      socket.close();
      expect(rejected.code).toBe('VALIDATION_FAILED');
      expect((await getText(`${sut.url}/health`)).status).toBe(200);
    });
  });
});
