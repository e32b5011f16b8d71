import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { analyzeSubject, buildSubject, deploySubject, stepCancelSubject, type PayloadOf, type RequestOf, type ResponseOf } from '#contracts';
import { DomainError } from '#common';
import { nodeAppReport } from '#testing';
import { DeploymentEventEntity } from '../database/deployment-event.entity.js';
import { DeploymentEntity } from '../database/deployment.entity.js';
import { CancellationService } from './cancellation.js';
import { startOrchestrators, type Orchestrators } from './orchestrators.harness.js';
import { WorkflowService } from './workflow.service.js';

const REPORT = nodeAppReport({ commands: { install: [], build: ['npm run build'], start: 'npm start' } });

/** The builder's answer, held until the test lets it go: a build that finishes after its deployment was cancelled. */
let releaseBuild: (outcome: { fail?: DomainError }) => void = () => undefined;
let buildStarted: () => void = () => undefined;
const deployRequests: string[] = [];
const cancelsHeard: string[] = [];

@Controller()
class FakeWorkers {
  @MessagePattern(analyzeSubject.subject)
  analyze(): ResponseOf<typeof analyzeSubject> {
    return { commitSha: null, sourceName: 'late-result', report: REPORT };
  }

  @MessagePattern(buildSubject.subject)
  async build(@Payload() _req: RequestOf<typeof buildSubject>): Promise<ResponseOf<typeof buildSubject>> {
    buildStarted();
    const outcome = await new Promise<{ fail?: DomainError }>((resolve) => (releaseBuild = resolve));
    if (outcome.fail) throw outcome.fail;
    return { artifact: { kind: 'local', releaseDir: '/nowhere', appDir: '/nowhere' }, dockerfile: '', dockerignore: '' };
  }

  @MessagePattern(deploySubject.subject)
  deploy(@Payload() req: RequestOf<typeof deploySubject>): ResponseOf<typeof deploySubject> {
    deployRequests.push(req.deploymentId);
    return { url: 'http://127.0.0.1:1', serviceName: req.serviceName, region: 'local', image: 'local:x' };
  }

  @EventPattern(stepCancelSubject.subject, { broadcast: true })
  heard(@Payload() payload: unknown): void {
    cancelsHeard.push((payload as PayloadOf<typeof stepCancelSubject>).deploymentId);
  }
}

describe(CancellationService.name, () => {
  let installation: Orchestrators;
  let db: DataSource;
  let sut: CancellationService;
  let workflow: WorkflowService;

  beforeAll(async () => {
    installation = await startOrchestrators('cancel', FakeWorkers);
    db = installation.db;
    sut = installation.orchestrator.get(CancellationService);
    workflow = installation.orchestrator.get(WorkflowService);
  });

  afterAll(() => installation?.close());

  beforeEach(() => {
    deployRequests.length = 0;
  });

  /** A deployment of `owner`, started, and held in its build. */
  async function buildingDeployment(owner = 'alice'): Promise<string> {
    const id = randomUUID();
    await db.getRepository(DeploymentEntity).insert({ id, owner, status: 'queued', stage: 'queued', progress: 0, repoUrl: '/x', target: 'local' });
    const started = new Promise<void>((resolve) => (buildStarted = resolve));
    workflow.start(id);
    await started;
    return id;
  }

  const row = (id: string) => db.getRepository(DeploymentEntity).findOneByOrFail({ id });
  const outcomes = async (id: string) =>
    (await db.getRepository(DeploymentEventEntity).find({ where: { deploymentId: id }, order: { seq: 'ASC' } })).filter((e) => e.outcome !== null);
  /** Lets the workflow apply (or not) what came, then reads the deployment. */
  const settled = async (id: string) => {
    await new Promise((r) => setTimeout(r, 200));
    return { row: await row(id), outcomes: await outcomes(id) };
  };

  it('cancels a running deployment: cancelled by its owner, the workers told, and the build that finishes later changes nothing', async () => {
    const id = await buildingDeployment();

    const reply = await sut.cancel('alice', { deploymentId: id });
    expect(reply).toMatchObject({ deploymentId: id, cancelled: true, status: 'cancelled', cancelledBy: 'alice' });
    expect(cancelsHeard).toContain(id);

    releaseBuild({});
    const after = await settled(id);
    expect(after.row).toMatchObject({ status: 'cancelled', stage: 'cancelled', cancelledBy: 'alice', errorCode: 'CANCELLED', artifact: null });
    expect(after.outcomes.map((e) => [e.stage, e.outcome])).toEqual([
      ['cancelled', expect.objectContaining({ kind: 'error', code: 'CANCELLED', stage: 'queued' })],
    ]);
    expect(deployRequests).not.toContain(id);
  });

  it('ignores a late result when another orchestrator cancelled the deployment (compare-and-set on its status)', async () => {
    const id = await buildingDeployment();
    // What a cancel taken by another orchestrator leaves: the row cancelled, and this one still waiting for the build.
    await db.getRepository(DeploymentEntity).update({ id }, { status: 'cancelled', cancelledBy: 'bob' });

    releaseBuild({});
    const after = await settled(id);
    expect(after.row).toMatchObject({ status: 'cancelled', artifact: null });
    expect(deployRequests).not.toContain(id);
    expect(after.outcomes).toEqual([]);
  });

  it('ignores a late failure the same way: a cancelled deployment never becomes failed', async () => {
    const id = await buildingDeployment();
    await db.getRepository(DeploymentEntity).update({ id }, { status: 'cancelled', cancelledBy: 'bob' });

    releaseBuild({ fail: new DomainError('BUILD_FAILED', '`npm run build` failed with exit code 1.') });
    const after = await settled(id);
    expect(after.row).toMatchObject({ status: 'cancelled', errorCode: null });
    expect(after.outcomes).toEqual([]);
  });

  it('leaves a finished deployment as it ended, and says so', async () => {
    const id = await buildingDeployment();
    releaseBuild({});
    await expect.poll(async () => (await row(id)).status).toBe('live');

    const reply = await sut.cancel('alice', { deploymentId: id });
    expect(reply).toEqual({
      deploymentId: id,
      cancelled: false,
      status: 'live',
      stage: 'live',
      cancelledBy: null,
      message: `Deployment ${id} already finished (live); there is nothing to cancel.`,
    });
    expect((await row(id)).status).toBe('live');
  });

  it("finds a service's deployment by the name its source will give it, before the analysis has named it", async () => {
    const id = randomUUID();
    await db
      .getRepository(DeploymentEntity)
      .insert({ id, owner: 'alice', status: 'queued', stage: 'queued', progress: 0, repoUrl: 'https://github.com/acme/Shop.git', target: 'local' });
    await expect(sut.cancel('mallory', { service: 'shop' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await sut.cancel('alice', { service: 'shop' })).toMatchObject({
      deploymentId: id,
      cancelled: true,
      message: 'Cancelled by alice before it started; nothing of it was deployed.',
    });
    expect(await row(id)).toMatchObject({ status: 'cancelled', cancelledBy: 'alice' });
  });

  it("treats another owner's deployment and service as missing", async () => {
    const id = await buildingDeployment('alice');
    await expect(sut.cancel('mallory', { deploymentId: id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(sut.cancel('mallory', { service: 'late-result' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await row(id)).toMatchObject({ status: 'queued', cancelledBy: null });

    // Its owner cancels it by its service's name.
    expect(await sut.cancel('alice', { service: 'late-result' })).toMatchObject({ deploymentId: id, cancelled: true });
    releaseBuild({});
  });
});
