import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressSubject, type RequestOf } from '#contracts';
import { DomainError } from '#common';
import { InProcessBus } from './in-process.transport.js';
import { MessageBus } from './message-bus.js';
import { MessagingModule } from './messaging.module.js';
import { startMicroservice } from './microservice.js';
import { CANCEL_GRACE_MS, StepCancellation } from './step-cancellation.js';
import { runWorkerStep } from './worker-step.js';

const token = 'ghp_W0rk3rStepT0kenAbCdEfGhIjKlMnOpQrStUv';
const reports: RequestOf<typeof progressSubject>[] = [];

@Controller()
class ProgressStore {
  @MessagePattern(progressSubject.subject)
  store(@Payload() report: RequestOf<typeof progressSubject>) {
    reports.push(report);
    return { seq: reports.length };
  }
}

describe(runWorkerStep.name, () => {
  const bus = new InProcessBus();
  let server: INestMicroservice;
  let sut: MessageBus;

  beforeAll(async () => {
    @Module({ imports: [MessagingModule.forRoot('orchestrator', { bus })], controllers: [ProgressStore] })
    class StoreModule {}
    server = await startMicroservice({ module: StoreModule }, 'orchestrator', { bus }, { shutdownHooks: false, logger: ['error'] });
    const client = await Test.createTestingModule({ imports: [MessagingModule.forRoot('worker', { bus })] }).compile();
    sut = client.get(MessageBus);
  });

  afterAll(async () => {
    await server?.close();
  });

  it('redacts every line it reports and the error it fails with, after the lines are stored', async () => {
    const deploymentId = randomUUID();
    const encoded = Buffer.from(`${token}\n`).toString('base64');
    const failure = runWorkerStep(sut, { deploymentId, stage: 'building', secrets: [token] }, async (reporter) => {
      reporter.step('building', `Running with ${token}`);
      reporter.log(`echo ${encoded}`);
      throw new DomainError('BUILD_FAILED', `\`build ${token}\` failed`, `hint ${token}`, [`echo ${encoded}`, 'exit 1']);
    });

    const error = (await failure.catch((e: unknown) => e)) as DomainError;
    expect(error).toBeInstanceOf(DomainError);
    expect(error.toWire()).toEqual({
      code: 'BUILD_FAILED',
      message: '`build [redacted]` failed',
      hint: 'hint [redacted]',
      logs: ['echo [redacted]', 'exit 1'],
    });
    const mine = reports.filter((r) => r.deploymentId === deploymentId);
    expect(mine.map((r) => [r.message, r.logs])).toEqual([
      ['Running with [redacted]', []],
      ['', ['echo [redacted]']],
    ]);
  });

  it('cleans an unknown error too, which stays unknown to the user', async () => {
    const error = (await runWorkerStep(sut, { deploymentId: undefined, stage: 'cloning', secrets: [token] }, () => {
      throw new Error(`spawn failed: ${token}`);
    }).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe('spawn failed: [redacted]');
    expect(error.stack).not.toContain(token);
    expect(DomainError.from(error).code).toBe('INTERNAL');
  });

  it("hands the step a signal its deployment's cancel aborts; a step that does not stop is reported cancelled after the grace", async () => {
    const cancellation = new StepCancellation();
    const deploymentId = randomUUID();
    let seen: AbortSignal | undefined;
    const stopping = runWorkerStep(sut, { deploymentId, stage: 'building', secrets: [], cancellation }, (_reporter, signal) => {
      seen = signal;
      return new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new DomainError('CANCELLED', 'Stopped `npm run build`.'))));
    });
    // One that ignores its signal, for another deployment.
    const stubborn = randomUUID();
    const ignoring = runWorkerStep(sut, { deploymentId: stubborn, stage: 'building', secrets: [], cancellation }, () => new Promise<never>(() => undefined));
    await new Promise((r) => setImmediate(r));
    expect(cancellation.isRunning(deploymentId)).toBe(true);

    cancellation.cancel(deploymentId);
    await expect(stopping).rejects.toMatchObject({ code: 'CANCELLED', message: 'Stopped `npm run build`.' });
    expect(seen?.aborted).toBe(true);
    expect(cancellation.isRunning(deploymentId)).toBe(false);

    const started = performance.now();
    cancellation.cancel(stubborn);
    await expect(ignoring).rejects.toMatchObject({ code: 'CANCELLED', message: 'The deployment was cancelled.' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(CANCEL_GRACE_MS - 50);
    // It is still running (it never stopped), so it stays registered.
    expect(cancellation.isRunning(stubborn)).toBe(true);
  });

  it('answers with what the step returns', async () => {
    expect(await runWorkerStep(sut, { deploymentId: undefined, stage: 'cloning', secrets: [] }, async () => 42)).toBe(42);
  });
});
