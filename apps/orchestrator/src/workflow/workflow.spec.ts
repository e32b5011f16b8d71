import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { analyzeSubject, buildSubject, deploySubject, type RequestOf, type ResponseOf } from '#contracts';
import { nodeAppReport } from '#testing';
import { DeploymentEventEntity } from '../database/deployment-event.entity.js';
import { DeploymentEntity } from '../database/deployment.entity.js';
import { startOrchestrators, type Orchestrators } from './orchestrators.harness.js';
import { MAX_ATTEMPTS, WorkflowService } from './workflow.service.js';

const REPORT = nodeAppReport();

/** Which steps ran, per deployment. */
const ran: { step: string; deploymentId: string }[] = [];

@Controller()
class FakeWorkers {
  @MessagePattern(analyzeSubject.subject)
  analyze(@Payload() req: RequestOf<typeof analyzeSubject>): ResponseOf<typeof analyzeSubject> {
    ran.push({ step: 'analyze', deploymentId: req.deploymentId! });
    return { commitSha: null, sourceName: 'lease', report: REPORT };
  }

  @MessagePattern(buildSubject.subject)
  build(@Payload() req: RequestOf<typeof buildSubject>): ResponseOf<typeof buildSubject> {
    ran.push({ step: 'build', deploymentId: req.deploymentId });
    return { artifact: { kind: 'local', releaseDir: '/nowhere', appDir: '/nowhere' }, dockerfile: '', dockerignore: '' };
  }

  @MessagePattern(deploySubject.subject)
  deploy(@Payload() req: RequestOf<typeof deploySubject>): ResponseOf<typeof deploySubject> {
    ran.push({ step: 'deploy', deploymentId: req.deploymentId });
    return { url: 'http://127.0.0.1:1', serviceName: req.serviceName, region: 'local', image: 'local:x' };
  }
}

describe(`${WorkflowService.name}: the lease, resuming and MAX_ATTEMPTS`, () => {
  let installation: Orchestrators;
  let orchestrators: INestMicroservice[];
  let db: DataSource;

  beforeAll(async () => {
    // Two orchestrators of one installation: one database, one bus.
    installation = await startOrchestrators('workflow', FakeWorkers, 2);
    ({ orchestrators, db } = installation);
  });

  afterAll(() => installation?.close());

  beforeEach(() => {
    ran.length = 0;
  });

  const repo = () => db.getRepository(DeploymentEntity);
  const row = (id: string) => repo().findOneByOrFail({ id });
  const messages = async (id: string) =>
    (await db.getRepository(DeploymentEventEntity).find({ where: { deploymentId: id }, order: { seq: 'ASC' } })).map((e) => e.message);
  const stepsOf = (id: string) => ran.filter((r) => r.deploymentId === id).map((r) => r.step);
  async function insert(changes: Partial<DeploymentEntity> = {}): Promise<string> {
    const id = randomUUID();
    await repo().insert({ id, owner: 'alice', status: 'queued', stage: 'queued', progress: 0, repoUrl: '/x', target: 'local', ...changes });
    return id;
  }
  const workflows = () => orchestrators.map((o) => o.get(WorkflowService));

  it('runs a deployment once when two orchestrators start it at the same moment: one holds the lease', async () => {
    const id = await insert();
    for (const w of workflows()) w.start(id);
    await expect.poll(async () => (await row(id)).status).toBe('live');
    // The lease is given back once the run ends.
    await expect.poll(async () => (await row(id)).leaseOwner).toBeNull();
    expect((await row(id)).attempts).toBe(1);
    expect(stepsOf(id)).toEqual(['analyze', 'build', 'deploy']);
    expect(await messages(id)).not.toContain(expect.stringMatching(/Resuming/));
  });

  it('runs a deployment once when one orchestrator is told to start it twice at once (a start and its own sweep)', async () => {
    const id = await insert();
    const [workflow] = workflows();
    workflow!.start(id);
    workflow!.start(id);
    await expect.poll(async () => (await row(id)).status).toBe('live');
    await expect.poll(async () => (await row(id)).leaseOwner).toBeNull();
    expect((await row(id)).attempts).toBe(1);
    expect(stepsOf(id)).toEqual(['analyze', 'build', 'deploy']);
  });

  it('leaves alone a deployment whose lease another live orchestrator holds', async () => {
    const id = await insert({ status: 'running', leaseOwner: 'elsewhere:1', leaseExpiresAt: new Date(Date.now() + 3600_000), attempts: 1 });
    for (const w of workflows()) w.start(id);
    await new Promise((r) => setTimeout(r, 300));
    expect(await row(id)).toMatchObject({ status: 'running', leaseOwner: 'elsewhere:1', attempts: 1 });
    expect(stepsOf(id)).toEqual([]);
  });

  it('resumes a deployment whose lease ran out after its last stored step, and says so', async () => {
    const id = await insert({
      status: 'running',
      stage: 'building',
      report: REPORT,
      serviceName: 'lease',
      leaseOwner: 'dead:1',
      leaseExpiresAt: new Date(Date.now() - 1000),
      attempts: 1,
    });
    workflows()[0]!.start(id);
    await expect.poll(async () => (await row(id)).status).toBe('live');
    expect(stepsOf(id)).toEqual(['build', 'deploy']);
    expect((await row(id)).attempts).toBe(2);
    expect(await messages(id)).toContain('Resuming after an interruption (attempt 2)');
  });

  it(`gives a deployment up with INTERRUPTED once it was interrupted ${MAX_ATTEMPTS} times`, async () => {
    const id = await insert({
      status: 'running',
      stage: 'building',
      report: REPORT,
      leaseOwner: 'dead:1',
      leaseExpiresAt: new Date(Date.now() - 1000),
      attempts: MAX_ATTEMPTS,
    });
    workflows()[1]!.start(id);
    await expect.poll(async () => (await row(id)).status).toBe('failed');
    expect(await row(id)).toMatchObject({ errorCode: 'INTERRUPTED', errorMessage: `The deployment was interrupted ${MAX_ATTEMPTS} times and was stopped.` });
    expect(stepsOf(id)).toEqual([]);
  });
});
