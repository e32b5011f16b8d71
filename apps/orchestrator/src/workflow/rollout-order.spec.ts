import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { analyzeSubject, buildSubject, deploySubject, type RequestOf, type ResponseOf } from '#contracts';
import { nodeAppReport } from '#testing';
import { DeploymentEventEntity } from '../database/deployment-event.entity.js';
import { DeploymentEntity } from '../database/deployment.entity.js';
import { ServiceEntity } from '../database/service.entity.js';
import { ServiceOperations } from '../services/service-operations.js';
import { startOrchestrators, type Orchestrators } from './orchestrators.harness.js';
import { WorkflowService } from './workflow.service.js';

const REPORT = nodeAppReport();

/** Each deploy the workers were asked for, with the variables it was given, in the order they began and ended. */
const began: { deploymentId: string; env: Record<string, string> }[] = [];
const ended: string[] = [];
/** Deploys of these deployments wait until they are let go. */
const held = new Map<string, () => void>();
const holding = new Set<string>();

@Controller()
class FakeWorkers {
  @MessagePattern(analyzeSubject.subject)
  analyze(): ResponseOf<typeof analyzeSubject> {
    return { commitSha: null, sourceName: 'order', report: REPORT };
  }

  @MessagePattern(buildSubject.subject)
  build(): ResponseOf<typeof buildSubject> {
    return { artifact: { kind: 'local', releaseDir: '/nowhere', appDir: '/nowhere' }, dockerfile: '', dockerignore: '' };
  }

  @MessagePattern(deploySubject.subject)
  async deploy(@Payload() req: RequestOf<typeof deploySubject>): Promise<ResponseOf<typeof deploySubject>> {
    began.push({ deploymentId: req.deploymentId, env: req.settings?.env ?? {} });
    if (holding.has(req.deploymentId)) await new Promise<void>((release) => held.set(req.deploymentId, release));
    ended.push(req.deploymentId);
    return { url: 'http://127.0.0.1:1', serviceName: req.serviceName, region: 'local', image: 'local:x' };
  }
}

describe(`${WorkflowService.name}: settings changes made at once go live in order, the newest last`, () => {
  let installation: Orchestrators;
  let orchestrator: INestMicroservice;
  let db: DataSource;

  beforeAll(async () => {
    installation = await startOrchestrators('rollout', FakeWorkers);
    ({ orchestrator, db } = installation);
  });

  afterAll(async () => {
    for (const release of held.values()) release();
    await installation?.close();
  });

  const deployment = (id: string) => db.getRepository(DeploymentEntity).findOneByOrFail({ id });

  it('a change made while an earlier one rolls out waits its turn, and what serves in the end has both', async () => {
    const first = randomUUID();
    await db
      .getRepository(DeploymentEntity)
      .insert({ id: first, owner: 'alice', status: 'queued', stage: 'queued', progress: 0, repoUrl: '/x', target: 'local' });
    orchestrator.get(WorkflowService).start(first);
    await expect.poll(async () => (await deployment(first)).status).toBe('live');
    const ops = orchestrator.get(ServiceOperations);

    // The first change's rollout is held half-way; the second is made meanwhile.
    const a = await ops.changeSettings('alice', 'order', { env: { A: '1' } });
    holding.add(a.deploymentId!);
    await expect.poll(() => held.has(a.deploymentId!)).toBe(true);
    const b = await ops.changeSettings('alice', 'order', { env: { B: '2' } });
    await expect.poll(async () => (await deployment(b.deploymentId!)).stage).toBe('deploying');
    // It must not go live before the first one (and be undone by it going live after).
    await new Promise((r) => setTimeout(r, 500));
    expect(began.map((d) => d.deploymentId)).not.toContain(b.deploymentId);

    held.get(a.deploymentId!)!();
    await expect.poll(async () => (await deployment(b.deploymentId!)).status).toBe('live');
    expect(ended.slice(-2)).toEqual([a.deploymentId, b.deploymentId]);
    expect(began.at(-1)).toEqual({ deploymentId: b.deploymentId, env: { A: '1', B: '2' } });
    // The turn is given back just after the live event.
    await expect
      .poll(() => db.getRepository(ServiceEntity).findOneByOrFail({ name: 'order' }))
      .toMatchObject({
        currentDeploymentId: b.deploymentId,
        settingsVersion: 2,
        rolloutDeploymentId: null,
      });
  });

  it('a deployment that reaches its turn after a newer change was stored rolls out the newest settings, and says so', async () => {
    const ops = orchestrator.get(ServiceOperations);
    const c = await ops.changeSettings('alice', 'order', { env: { C: '3' } });
    holding.add(c.deploymentId!);
    await expect.poll(() => held.has(c.deploymentId!)).toBe(true);
    // D and E are both made while C rolls out: each waits its turn.
    const d = await ops.changeSettings('alice', 'order', { env: { D: '4' } });
    await expect.poll(async () => (await deployment(d.deploymentId!)).stage).toBe('deploying');
    const e = await ops.changeSettings('alice', 'order', { env: { E: '5' } });
    await expect.poll(async () => (await deployment(e.deploymentId!)).stage).toBe('deploying');
    held.get(c.deploymentId!)!();
    await expect.poll(async () => [(await deployment(d.deploymentId!)).status, (await deployment(e.deploymentId!)).status]).toEqual(['live', 'live']);

    // Whichever went first, both rolled out version 5: D, made before E, with E's change too.
    const newest = { A: '1', B: '2', C: '3', D: '4', E: '5' };
    expect(began.find((x) => x.deploymentId === d.deploymentId)!.env).toEqual(newest);
    expect(began.find((x) => x.deploymentId === e.deploymentId)!.env).toEqual(newest);
    expect(await deployment(d.deploymentId!)).toMatchObject({ settingsVersion: 5 });
    const messages = (await db.getRepository(DeploymentEventEntity).find({ where: { deploymentId: d.deploymentId! } })).map((m) => m.message);
    expect(messages).toContain('Settings version 5 of order came in meanwhile: this revision has it (it includes version 4)');
    expect(messages).toContain('Waiting for another deployment of order to finish its rollout');
    await expect
      .poll(() => db.getRepository(ServiceEntity).findOneByOrFail({ name: 'order' }))
      .toMatchObject({ settingsVersion: 5, currentDeploymentId: ended.at(-1), rolloutDeploymentId: null });
  });
});
