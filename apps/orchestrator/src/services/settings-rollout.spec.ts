import { randomUUID } from 'node:crypto';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DataSource } from 'typeorm';
import { analyzeSubject, buildSubject, deploySubject, type FilePatch, type RequestOf, type ResponseOf } from '#contracts';
import { SecretBox } from '#common';
import { nodeAppReport } from '#testing';
import { DeploymentEventEntity } from '../database/deployment-event.entity.js';
import { DeploymentEntity } from '../database/deployment.entity.js';
import { ServiceEntity } from '../database/service.entity.js';
import { startOrchestrators, type Orchestrators } from '../workflow/orchestrators.harness.js';
import { WorkflowService } from '../workflow/workflow.service.js';
import { ServiceOperations } from './service-operations.js';

const REPORT = nodeAppReport();
const COMMIT = 'c0ffee'.padEnd(40, '0');
const PATCH: FilePatch = { file: 'server.js', diff: '--- a/server.js\n+++ b/server.js\n@@ -1 +1 @@\n-a\n+b\n' };

/** What the workers were asked: each analysis, each build (with its build-time values) and each deploy (with the build it got). */
const analyses: RequestOf<typeof analyzeSubject>[] = [];
const builds: RequestOf<typeof buildSubject>[] = [];
const deploys: { deploymentId: string; releaseDir: string; env: Record<string, string> }[] = [];
/** Deploys of these deployments wait until they are let go. */
const held = new Map<string, () => void>();
const holding = new Set<string>();
/** Builds of these deployments wait until they are let go. */
const heldBuilds = new Map<string, () => void>();
const holdingBuilds = new Set<string>();

@Controller()
class FakeWorkers {
  @MessagePattern(analyzeSubject.subject)
  analyze(@Payload() req: RequestOf<typeof analyzeSubject>): ResponseOf<typeof analyzeSubject> {
    analyses.push(req);
    // A folder has no commit; a repository has one.
    const folder = req.source.repoUrl.startsWith('/');
    return { commitSha: folder ? null : COMMIT, sourceName: folder ? 'folder-app' : 'repo-app', report: REPORT };
  }

  @MessagePattern(buildSubject.subject)
  async build(@Payload() req: RequestOf<typeof buildSubject>): Promise<ResponseOf<typeof buildSubject>> {
    builds.push(req);
    if (holdingBuilds.has(req.deploymentId)) await new Promise<void>((release) => heldBuilds.set(req.deploymentId, release));
    const dir = `/releases/${req.deploymentId}`;
    return { artifact: { kind: 'local', releaseDir: dir, appDir: dir }, dockerfile: '', dockerignore: '' };
  }

  @MessagePattern(deploySubject.subject)
  async deploy(@Payload() req: RequestOf<typeof deploySubject>): Promise<ResponseOf<typeof deploySubject>> {
    if (holding.has(req.deploymentId)) await new Promise<void>((release) => held.set(req.deploymentId, release));
    deploys.push({ deploymentId: req.deploymentId, releaseDir: req.artifact.kind === 'local' ? req.artifact.releaseDir : '', env: req.settings?.env ?? {} });
    return { url: 'http://127.0.0.1:1', serviceName: req.serviceName, region: 'local', image: 'local:x' };
  }
}

describe(`${ServiceOperations.name}.changeSettings: runtime values roll out on the same build, build-time values rebuild`, () => {
  let installation: Orchestrators;
  let db: DataSource;
  let sut: ServiceOperations;

  beforeAll(async () => {
    installation = await startOrchestrators('rebuild', FakeWorkers);
    db = installation.db;
    sut = installation.orchestrator.get(ServiceOperations);
    // A repository at a commit, with an accepted fix, and a folder: each live once.
    await firstDeployment('https://github.com/acme/repo-app', [PATCH]);
    await firstDeployment('/srv/folder-app', null);
  });

  afterAll(async () => {
    for (const release of [...held.values(), ...heldBuilds.values()]) release();
    await installation?.close();
  });

  const deployment = (id: string) => db.getRepository(DeploymentEntity).findOneByOrFail({ id });
  const service = (name: string) => db.getRepository(ServiceEntity).findOneByOrFail({ name });
  const live = (id: string) => expect.poll(async () => (await deployment(id)).status).toBe('live');
  const messages = async (id: string) =>
    (await db.getRepository(DeploymentEventEntity).find({ where: { deploymentId: id }, order: { seq: 'ASC' } })).map((e) => e.message);
  const buildsOf = (id: string) => builds.filter((b) => b.deploymentId === id);
  const servingDir = async (name: string) => (await deployment((await service(name)).currentDeploymentId!)).artifact;

  async function firstDeployment(repoUrl: string, patches: FilePatch[] | null): Promise<void> {
    const id = randomUUID();
    await db.getRepository(DeploymentEntity).insert({ id, owner: 'alice', status: 'queued', stage: 'queued', progress: 0, repoUrl, target: 'local', patches });
    installation.orchestrator.get(WorkflowService).start(id);
    await vi.waitFor(async () => expect((await deployment(id)).status).toBe('live'), { timeout: 10_000, interval: 50 });
  }

  it('a runtime value only: a new revision of the same build, nothing built', async () => {
    const before = builds.length;
    const serving = await servingDir('repo-app');
    const result = await sut.changeSettings('alice', 'repo-app', { env: { GREETING: 'hello' } });
    expect(result).toMatchObject({ changed: ['GREETING'], buildChanged: [], rolloutKind: 'same-build' });
    await live(result.deploymentId!);
    expect(builds.length).toBe(before);
    expect(deploys.at(-1)).toEqual({
      deploymentId: result.deploymentId,
      releaseDir: serving!.kind === 'local' ? serving!.releaseDir : '',
      env: { GREETING: 'hello' },
    });
    expect(await deployment(result.deploymentId!)).toMatchObject({ kind: 'settings' });
  });

  it('a build-time value: rebuilt at the commit it serves, with its patches, its analysis and the new settings version, and says so without the value', async () => {
    const analysed = analyses.length;
    const result = await sut.changeSettings('alice', 'repo-app', { buildEnv: { PUBLIC_COLOR: 'teal-7731' } });
    expect(result).toMatchObject({ changed: ['PUBLIC_COLOR'], buildChanged: ['PUBLIC_COLOR'], rolloutKind: 'rebuild' });
    await live(result.deploymentId!);
    const [build, ...more] = buildsOf(result.deploymentId!);
    expect(more).toEqual([]);
    expect(build).toMatchObject({ commitSha: COMMIT, report: REPORT, buildEnv: { PUBLIC_COLOR: 'teal-7731' }, source: { patches: [PATCH] } });
    // The stored analysis is used: the source is not analysed again.
    expect(analyses.length).toBe(analysed);
    expect(await deployment(result.deploymentId!)).toMatchObject({
      kind: 'rebuild',
      commitSha: COMMIT,
      settingsVersion: result.settings.version,
      patches: [PATCH],
    });
    expect(deploys.at(-1)).toMatchObject({ deploymentId: result.deploymentId, releaseDir: `/releases/${result.deploymentId}`, env: { GREETING: 'hello' } });
    const said = await messages(result.deploymentId!);
    expect(said[0]).toBe(
      `Settings version ${result.settings.version} of repo-app: build-time settings changed (PUBLIC_COLOR), so it is rebuilt at commit ${COMMIT.slice(0, 12)} — a rebuild, not a new revision of the same build`,
    );
    expect(said.join('\n')).not.toContain('teal-7731');
    // The turn is given back just after the live event.
    await expect.poll(() => service('repo-app')).toMatchObject({ currentDeploymentId: result.deploymentId, rolloutDeploymentId: null });
  });

  it('runtime and build-time values at once, a build-time secret among them: one rebuild with all of them', async () => {
    const before = builds.length;
    const box = installation.orchestrator.get(SecretBox);
    const result = await sut.changeSettings('alice', 'repo-app', {
      env: { MODE: 'fast' },
      buildEnv: { PUBLIC_COLOR: 'amber' },
      sealedBuildSecrets: { NPM_TOKEN: box.seal('npm_0123456789abcdef') },
    });
    expect(result).toMatchObject({ buildChanged: ['NPM_TOKEN', 'PUBLIC_COLOR'], rolloutKind: 'rebuild' });
    expect(result.changed.sort()).toEqual(['MODE', 'NPM_TOKEN', 'PUBLIC_COLOR']);
    await live(result.deploymentId!);
    expect(builds.length).toBe(before + 1);
    const build = buildsOf(result.deploymentId!)[0]!;
    expect(build.buildEnv).toEqual({ PUBLIC_COLOR: 'amber' });
    expect(Object.keys(build.sealedBuildSecrets ?? {})).toEqual(['NPM_TOKEN']);
    expect(deploys.at(-1)).toMatchObject({ deploymentId: result.deploymentId, env: { GREETING: 'hello', MODE: 'fast' } });
    expect((await messages(result.deploymentId!))[0]).toContain('build-time settings changed (NPM_TOKEN, PUBLIC_COLOR), so it is rebuilt at commit');
    expect((await messages(result.deploymentId!))[0]).toContain('with MODE too');

    // The same secret value set again is no build-time change: it rolls out on the same build.
    const again = await sut.changeSettings('alice', 'repo-app', { sealedBuildSecrets: { NPM_TOKEN: box.seal('npm_0123456789abcdef') } });
    expect(again).toMatchObject({ changed: ['NPM_TOKEN'], buildChanged: [], rolloutKind: 'same-build' });
    await live(again.deploymentId!);
    expect(builds.length).toBe(before + 1);
  });

  it('unsetting a build-time name rebuilds; unsetting a runtime one does not', async () => {
    const before = builds.length;
    const unsetBuild = await sut.changeSettings('alice', 'repo-app', { unset: ['NPM_TOKEN'] });
    expect(unsetBuild).toMatchObject({ changed: ['NPM_TOKEN'], buildChanged: ['NPM_TOKEN'], rolloutKind: 'rebuild' });
    await live(unsetBuild.deploymentId!);
    expect(buildsOf(unsetBuild.deploymentId!)[0]!.sealedBuildSecrets).toBeUndefined();
    const unsetRuntime = await sut.changeSettings('alice', 'repo-app', { unset: ['MODE'] });
    expect(unsetRuntime).toMatchObject({ buildChanged: [], rolloutKind: 'same-build' });
    await live(unsetRuntime.deploymentId!);
    expect(builds.length).toBe(before + 1);
  });

  it('a folder has no commit: the rebuild analyses and builds it again as it is now', async () => {
    const analysed = analyses.length;
    const result = await sut.changeSettings('alice', 'folder-app', { buildEnv: { PUBLIC_COLOR: 'plum' } });
    expect(result).toMatchObject({ rolloutKind: 'rebuild' });
    await live(result.deploymentId!);
    expect(analyses.length).toBe(analysed + 1);
    expect(analyses.at(-1)!.source.repoUrl).toBe('/srv/folder-app');
    expect(buildsOf(result.deploymentId!)[0]).toMatchObject({ commitSha: null, buildEnv: { PUBLIC_COLOR: 'plum' } });
    expect((await messages(result.deploymentId!))[0]).toContain('so it is rebuilt from its folder as it is now');
  });

  it('a runtime change waiting while a rebuild rolls out goes live on the rebuilt build, one rollout at a time', async () => {
    const rebuild = await sut.changeSettings('alice', 'repo-app', { buildEnv: { PUBLIC_COLOR: 'navy' } });
    holding.add(rebuild.deploymentId!);
    await expect.poll(() => held.has(rebuild.deploymentId!)).toBe(true);
    // Made while the rebuild holds the rollout turn: its same build is the one serving now, older than the rebuild.
    const runtime = await sut.changeSettings('alice', 'repo-app', { env: { MODE: 'slow' } });
    expect(runtime).toMatchObject({ rolloutKind: 'same-build' });
    await expect.poll(async () => messages(runtime.deploymentId!)).toContain('Waiting for another deployment of repo-app to finish its rollout');
    expect(deploys.map((d) => d.deploymentId)).not.toContain(runtime.deploymentId);

    held.get(rebuild.deploymentId!)!();
    await live(runtime.deploymentId!);
    expect(deploys.slice(-2).map((d) => d.deploymentId)).toEqual([rebuild.deploymentId, runtime.deploymentId]);
    expect(deploys.at(-1)).toMatchObject({ releaseDir: `/releases/${rebuild.deploymentId}`, env: { GREETING: 'hello', MODE: 'slow' } });
    expect(await messages(runtime.deploymentId!)).toContain(
      `The build serving repo-app changed meanwhile (deployment ${rebuild.deploymentId}): this revision is of that build`,
    );
    expect(await deployment(runtime.deploymentId!)).toMatchObject({ artifact: { releaseDir: `/releases/${rebuild.deploymentId}` } });
    await expect.poll(() => service('repo-app')).toMatchObject({ currentDeploymentId: runtime.deploymentId, rolloutDeploymentId: null });
  });

  it('a rebuild whose build-time values changed again while it was built, with the later rebuild live, is not rolled out', async () => {
    const first = await sut.changeSettings('alice', 'repo-app', { buildEnv: { PUBLIC_COLOR: 'one' } });
    holdingBuilds.add(first.deploymentId!);
    await expect.poll(() => heldBuilds.has(first.deploymentId!)).toBe(true);
    // Changed again while the first rebuild builds: the second builds and goes live with it.
    const second = await sut.changeSettings('alice', 'repo-app', { buildEnv: { PUBLIC_COLOR: 'two' }, env: { MODE: 'second' } });
    await live(second.deploymentId!);
    expect(buildsOf(second.deploymentId!)[0]!.buildEnv).toEqual({ PUBLIC_COLOR: 'two' });

    heldBuilds.get(first.deploymentId!)!();
    await expect.poll(async () => (await deployment(first.deploymentId!)).status).toBe('cancelled');
    // Its image has the old value: going live after the second would have brought it back.
    expect(deploys.map((d) => d.deploymentId)).not.toContain(first.deploymentId);
    expect(await deployment(first.deploymentId!)).toMatchObject({ errorCode: 'CANCELLED' });
    expect((await messages(first.deploymentId!)).at(-1)).toBe(
      `Superseded: build-time settings changed again while it was built (PUBLIC_COLOR), and deployment ${second.deploymentId} builds repo-app with them (settings version ${second.settings.version}, which includes version ${first.settings.version}); this build is not rolled out.`,
    );
    await expect.poll(() => service('repo-app')).toMatchObject({ currentDeploymentId: second.deploymentId, rolloutDeploymentId: null });
    expect(await servingDir('repo-app')).toMatchObject({ releaseDir: `/releases/${second.deploymentId}` });
  });

  it('a rebuild whose build-time values changed again while it was built, with nothing building them, goes live at its own version and says why', async () => {
    const first = await sut.changeSettings('alice', 'repo-app', { buildEnv: { PUBLIC_COLOR: 'three' } });
    holdingBuilds.add(first.deploymentId!);
    await expect.poll(() => heldBuilds.has(first.deploymentId!)).toBe(true);
    // Stored without a rollout of its own: nothing builds it.
    const stored = await sut.changeSettings('alice', 'repo-app', { buildEnv: { PUBLIC_COLOR: 'four' } }, false);
    expect(stored.deploymentId).toBeNull();

    heldBuilds.get(first.deploymentId!)!();
    await live(first.deploymentId!);
    // Its image has `three`: it does not claim the version that says `four`.
    expect(await deployment(first.deploymentId!)).toMatchObject({ settingsVersion: first.settings.version });
    expect(await messages(first.deploymentId!)).toContain(
      `Settings version ${stored.settings.version} of repo-app came in meanwhile with build-time settings this build does not have (PUBLIC_COLOR): this revision stays at version ${first.settings.version}; a rebuild brings them (\`servergem redeploy repo-app\`)`,
    );
    await expect.poll(() => service('repo-app')).toMatchObject({ currentDeploymentId: first.deploymentId, settingsVersion: stored.settings.version });
  });
});
