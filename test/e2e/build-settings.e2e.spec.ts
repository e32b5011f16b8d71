import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentEvent, DeploymentSummary, OwnedService, ResponseOf, ServerMessage, ownedSettingsChangeSubject } from '#contracts';
import { apiJson, connect, dropSchema, getText, gitRepoFrom, headOf, TEST_DATABASE_URL, uniqueSchema, runCli } from '#testing';
import { writeBuiltValuesApp as writeApp, type BuiltValuesAnswer } from './built-values-app.js';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const root = resolve(import.meta.dirname, '../..');
const sha16 = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 16);

describe(
  'build-time settings: a change of one rebuilds the service at the commit it serves; runtime values stay on the same build',
  { timeout: 180_000 },
  () => {
    const schema = uniqueSchema();
    let home: string;
    let repo: string;
    let sut: AllInOne;
    let url: string;
    let service: string;
    let commit: string;
    const server = () => ({ url: sut.url, token: sut.token });

    const servergem = (args: string[]) => runCli(root, [...args, '--server', sut.url], { env: { SERVERGEM_TOKEN: sut.token }, timeoutMs: 150_000 });

    const deployments = async () => (await apiJson<{ deployments: DeploymentSummary[] }>(server(), '/api/deployments?limit=200')).deployments;
    const detail = (id: string) => apiJson<{ deployment: DeploymentSummary; events: DeploymentEvent[] }>(server(), `/api/deployments/${id}`);
    const lastDeployment = async () =>
      (await apiJson<{ services: OwnedService[] }>(server(), '/api/services')).services.find((s) => s.name === service)!.lastDeployment;
    const stagesOf = async (id: string) => new Set((await detail(id)).events.map((e) => e.stage));
    const answer = async () => JSON.parse((await getText(url)).body) as BuiltValuesAnswer;

    beforeAll(async () => {
      home = mkdtempSync(join(tmpdir(), 'servergem-build-settings-'));
      const app = join(home, 'app-source');
      writeApp(app, 'first');
      repo = gitRepoFrom(app);
      commit = headOf(repo);
      sut = await startAllInOne(
        { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
        () => undefined,
      );
    });

    afterAll(async () => {
      await sut?.stop();
      await removeInstallation(home);
      await dropSchema(schema);
      if (repo) rmSync(repo, { recursive: true, force: true });
    });

    it('deploys the repository at its commit; the build had no build-time value', async () => {
      const result = await servergem(['deploy', repo, '--branch', 'main']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      url = result.stdout.trim().split('\n').at(-1)!;
      expect(await answer()).toEqual({ color: null, tokenSha256: null, release: 'first', greeting: null });
      const { services } = await apiJson<{ services: OwnedService[] }>(server(), '/api/services');
      service = services.find((s) => s.repoUrl === repo)!.name;
      expect(service).toBe(basename(repo).toLowerCase());
      // The branch moves on after the deploy: a rebuild stays at the commit that serves.
      writeApp(repo, 'second');
      execFileSync('git', ['commit', '--quiet', '-am', 'second'], {
        cwd: repo,
        env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
      });
    });

    it('env set --build rebuilds at the commit it serves, says so, and the URL serves the new build-time value', async () => {
      const before = (await deployments()).length;
      const result = await servergem(['env', 'set', service, '--build', 'PUBLIC_COLOR=teal']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        `${service}: settings version 1 (PUBLIC_COLOR); build-time settings changed (PUBLIC_COLOR), so it is rebuilt from the source it serves`,
      );
      expect(result.stdout).toContain('▸ building');
      expect(result.stdout.trim().split('\n').at(-1)).toBe(url);
      expect(await answer()).toEqual({ color: 'teal', tokenSha256: null, release: 'first', greeting: null });

      const all = await deployments();
      expect(all).toHaveLength(before + 1);
      const { deployment, events } = await detail(all[0]!.id);
      expect(deployment).toMatchObject({ commitSha: commit, status: 'live' });
      expect(await lastDeployment()).toMatchObject({ id: deployment.id, kind: 'rebuild', settingsVersion: 1 });
      expect(events[0]!.message).toBe(
        `Settings version 1 of ${service}: build-time settings changed (PUBLIC_COLOR), so it is rebuilt at commit ${commit.slice(0, 12)} — a rebuild, not a new revision of the same build`,
      );
      expect(new Set(events.map((e) => e.stage))).toContain('building');
      expect(JSON.stringify(events.map((e) => e.message))).not.toContain('teal');
    });

    it('env set of a runtime value is a new revision of the same build: nothing built', async () => {
      const result = await servergem(['env', 'set', service, 'GREETING=hello']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`${service}: settings version 2 (GREETING); rolling out a new revision of the same build`);
      expect(result.stdout).not.toContain('▸ building');
      expect(result.stdout.trim().split('\n').at(-1)).toBe(url);
      expect(await answer()).toEqual({ color: 'teal', tokenSha256: null, release: 'first', greeting: 'hello' });
      const [latest] = await deployments();
      expect(await stagesOf(latest!.id)).toEqual(new Set(['queued', 'deploying', 'verifying', 'live']));
      expect(await lastDeployment()).toMatchObject({ kind: 'settings' });
    });

    it('a mixed change over REST is one rebuild with all of it, and the answer says it is a rebuild', async () => {
      const before = (await deployments()).length;
      const result = await apiJson<ResponseOf<typeof ownedSettingsChangeSubject>>(server(), `/api/services/${service}/env`, {
        method: 'PUT',
        body: { env: { GREETING: 'howdy' }, buildEnv: { PUBLIC_COLOR: 'amber' } },
      });
      expect(result).toMatchObject({ rolloutKind: 'rebuild', buildChanged: ['PUBLIC_COLOR'] });
      expect(result.changed.sort()).toEqual(['GREETING', 'PUBLIC_COLOR']);
      await expect.poll(async () => (await detail(result.deploymentId!)).deployment.status, { timeout: 120_000, interval: 250 }).toBe('live');
      expect(await deployments()).toHaveLength(before + 1);
      expect(await answer()).toEqual({ color: 'amber', tokenSha256: null, release: 'first', greeting: 'howdy' });
    });

    it('unsetting a build-time name in the chat rebuilds without it, and the reply says so', async () => {
      const socket = connect(server());
      try {
        const reply = await new Promise<ServerMessage>((done) => {
          socket.on('message', done);
          socket.emit('message', { type: 'message', message: `unset PUBLIC_COLOR on ${service}`, clientMessageId: randomUUID() });
        });
        expect(reply.data.metadata.intent).toMatchObject({ kind: 'unset_env', service });
        expect(reply.data.content).toContain(`Build-time settings changed (PUBLIC_COLOR), so I am rebuilding **${service}** from the source it serves`);
        const deploymentId = reply.data.metadata.deploymentId as string;
        const outcome = await new Promise<string>((done) => {
          socket.on('deployment_complete', (c) => c.data.deploymentId === deploymentId && done(c.data.url));
          socket.on('deployment_error', (e) => e.data.deploymentId === deploymentId && done(`error ${e.data.code}`));
        });
        expect(outcome).toBe(url);
      } finally {
        socket.close();
      }
      expect(await answer()).toEqual({ color: null, tokenSha256: null, release: 'first', greeting: 'howdy' });
    });

    it('deploy --build-secret gives the build a sealed build-time secret, and env set --secret --build a new one rebuilds', async () => {
      const folder = join(home, 'sources', 'secret-built');
      writeApp(folder, 'folder');
      const first = `npm_${randomBytes(18).toString('hex')}`;
      const deployed = await servergem(['deploy', folder, '--build-secret', `BUILD_TOKEN=${first}`, '--build-env', 'PUBLIC_COLOR=plum']);
      expect(deployed.stderr).toBe('');
      expect(deployed.code).toBe(0);
      const folderUrl = deployed.stdout.trim().split('\n').at(-1)!;
      const served = async () => JSON.parse((await getText(folderUrl)).body) as { tokenSha256: string | null; color: string | null };
      expect(await served()).toMatchObject({ tokenSha256: sha16(first), color: 'plum' });
      const listed = JSON.parse((await servergem(['env', 'list', 'secret-built', '--json'])).stdout) as { buildSecrets: { name: string; masked: string }[] };
      expect(listed.buildSecrets).toEqual([{ name: 'BUILD_TOKEN', masked: `••••${first.slice(-4)}` }]);

      // A folder has no commit: it is analysed and built again as it is now.
      const second = `npm_${randomBytes(18).toString('hex')}`;
      const set = await servergem(['env', 'set', 'secret-built', '--secret', '--build', `BUILD_TOKEN=${second}`]);
      expect(set.code).toBe(0);
      expect(set.stdout).toContain('build-time settings changed (BUILD_TOKEN), so it is rebuilt');
      expect(set.stdout).toContain('so it is rebuilt from its folder as it is now');
      expect(await served()).toMatchObject({ tokenSha256: sha16(second), color: 'plum' });
      const everything = JSON.stringify(await Promise.all((await deployments()).map((d) => detail(d.id))));
      expect(everything).not.toContain(first);
      expect(everything).not.toContain(second);
    });
  },
);
