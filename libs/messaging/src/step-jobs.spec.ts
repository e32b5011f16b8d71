import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Logger } from '@nestjs/common';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { DomainError } from '#common';
import { deleteNamespaceStreams, freePort, startNatsServer } from '#testing';
import { InProcessJobQueue } from './in-process-jobs.js';
import { JetStreamJobQueue, stepStreams } from './jetstream-jobs.js';
import { MAX_DELIVERIES, stepJobHandler, stepJobId, type JobHandler, type StepJob, type StepJobQueue } from './step-jobs.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ACK_WAIT_MS = 2000;
/** For the cases whose workers go silent (no heartbeat to keep up): they only wait for the job to be handed out again. */
const SILENT_ACK_WAIT_MS = 1000;

function job(step: StepJob['step'] = 'build', deploymentId = randomUUID()): StepJob {
  return { id: stepJobId(deploymentId, step, 1), deploymentId, step, attempt: 1, subject: 'builder.build.v1', payload: { deploymentId } };
}

/** A step that does not finish until told; a test can make its worker go silent (no heartbeat, no result ever). */
function heldHandler(ackWaitMs = ACK_WAIT_MS) {
  const deliveries: { delivery: number; worker: string }[] = [];
  const release = new Map<number, (value: unknown) => void>();
  const make = (worker: string, options: { silentOn?: number[]; quietOn?: number[]; heartbeatMs?: number } = {}): JobHandler => {
    const inner = stepJobHandler(
      (_subject, payload) => {
        const attempt = (payload as { attempt: number }).attempt;
        deliveries.push({ delivery: attempt, worker });
        return new Promise((resolve) => release.set(attempt, resolve));
      },
      { heartbeatMs: options.heartbeatMs ?? ackWaitMs / 4 },
    );
    return (delivery) =>
      options.silentOn?.includes(delivery.delivery)
        ? // A worker killed mid-step: it neither heart-beats nor answers.
          inner({ ...delivery, working: () => undefined }).then(() => new Promise<never>(() => undefined))
        : options.quietOn?.includes(delivery.delivery)
          ? // A worker taken for dead (no heartbeat) that goes on and answers late.
            inner({ ...delivery, working: () => undefined })
          : inner(delivery);
  };
  return { deliveries, release, make };
}

/** One warning names the late delivery's deployment, step and attempt, and says nothing of what it returned. */
function expectDropLogged(warn: { mock: { calls: unknown[][] }; mockRestore: () => void }, j: StepJob) {
  const lines = warn.mock.calls.map((call) => String(call[0]));
  warn.mockRestore();
  const drops = lines.filter((line) => line.includes(j.deploymentId));
  expect(drops).toHaveLength(1);
  expect(drops[0]).toMatch(new RegExp(`late result of the build step of deployment ${j.deploymentId} \\(attempt 1, delivery 1\\)`));
  expect(drops[0]).not.toContain('stale');
}

interface Harness {
  queue: () => StepJobQueue;
  cleanup: () => Promise<void>;
}

/** The same semantics on both transports: the contract every step relies on. */
function contract(name: string, harness: (ackWaitMs: number) => Harness) {
  describe(name, () => {
    const made: Harness[] = [];
    const fresh = (ackWaitMs = ACK_WAIT_MS) => {
      const h = harness(ackWaitMs);
      made.push(h);
      return h;
    };
    afterEach(async () => {
      for (const h of made.splice(0)) await h.cleanup();
    });

    it('runs a job once on one worker, however often it is published with one id, and stores its result', async () => {
      const h = fresh();
      const workers = h.queue();
      const orchestrator = h.queue();
      const held = heldHandler();
      const stops = [await workers.consume('builder', ['build'], held.make('a')), await workers.consume('builder', ['build'], held.make('b'))];
      const j = job();
      const first = orchestrator.run(j, { service: 'builder' });
      const second = orchestrator.run(j, { service: 'builder' });
      await expect.poll(() => held.deliveries.length, { timeout: 10_000 }).toBe(1);
      held.release.get(1)!({ artifact: 'x' });
      expect(await first).toMatchObject({ ok: true, value: { artifact: 'x' }, delivery: 1 });
      expect(await second).toMatchObject({ ok: true, value: { artifact: 'x' } });
      // Asked again after it finished (a resumed run): the stored result, no second run.
      expect(await orchestrator.run(j, { service: 'builder' })).toMatchObject({ ok: true, value: { artifact: 'x' } });
      expect(held.deliveries).toHaveLength(1);
      for (const stop of stops) await stop();
    });

    it("hands a silent worker's job to another replica, ignores a late answer, and keeps the worker's error code", async () => {
      const h = fresh(SILENT_ACK_WAIT_MS);
      const queue = h.queue();
      const held = heldHandler(SILENT_ACK_WAIT_MS);
      const stops = [
        await queue.consume('builder', ['build'], held.make('a', { silentOn: [1] })),
        await queue.consume('builder', ['build'], held.make('b', { silentOn: [1] })),
      ];
      const running = queue.run(job(), { service: 'builder' });
      await expect.poll(() => held.deliveries.length, { timeout: 20_000 }).toBe(2);
      expect(held.deliveries.map((d) => d.delivery)).toEqual([1, 2]);
      held.release.get(2)!(Promise.reject(new DomainError('BUILD_FAILED', 'GET /health 503 in the build log')));
      expect(await running).toMatchObject({ ok: false, error: { code: 'BUILD_FAILED' }, delivery: 2 });
      for (const stop of stops) await stop();
    });

    it('drops the result of a delivery given up for dead that answers late, before the delivery that took its job over', async () => {
      const h = fresh();
      const queue = h.queue();
      const held = heldHandler();
      const stops = [
        await queue.consume('builder', ['build'], held.make('a', { quietOn: [1] })),
        await queue.consume('builder', ['build'], held.make('b', { quietOn: [1] })),
      ];
      const j = job();
      const running = queue.run(j, { service: 'builder' });
      await expect.poll(() => held.deliveries.length, { timeout: 20_000 }).toBe(2);
      const warn = vi.spyOn(Logger.prototype, 'warn');
      held.release.get(1)!('stale');
      await new Promise((r) => setTimeout(r, 500));
      held.release.get(2)!('fresh');
      expect(await running).toMatchObject({ ok: true, value: 'fresh', delivery: 2 });
      expectDropLogged(warn, j);
      for (const stop of stops) await stop();
    });

    it('drops the result of a delivery given up for dead that answers after the delivery that took its job over finished, and says so in the log', async () => {
      const h = fresh();
      const queue = h.queue();
      const held = heldHandler();
      const stops = [
        await queue.consume('builder', ['build'], held.make('a', { quietOn: [1] })),
        await queue.consume('builder', ['build'], held.make('b', { quietOn: [1] })),
      ];
      const j = job();
      const running = queue.run(j, { service: 'builder' });
      await expect.poll(() => held.deliveries.length, { timeout: 20_000 }).toBe(2);
      held.release.get(2)!('fresh');
      expect(await running).toMatchObject({ ok: true, value: 'fresh', delivery: 2 });
      const warn = vi.spyOn(Logger.prototype, 'warn');
      held.release.get(1)!('stale');
      await expect.poll(() => warn.mock.calls.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expectDropLogged(warn, j);
      // The result that counts stays the one stored.
      expect(await queue.run(j, { service: 'builder' })).toMatchObject({ ok: true, value: 'fresh', delivery: 2 });
      for (const stop of stops) await stop();
    });

    it('keeps a job with a worker that heart-beats, however long the step runs', async () => {
      const h = fresh();
      const queue = h.queue();
      const held = heldHandler();
      const stop = await queue.consume('builder', ['build'], held.make('a'));
      const running = queue.run(job(), { service: 'builder' });
      await expect.poll(() => held.deliveries.length, { timeout: 10_000 }).toBe(1);
      await new Promise((r) => setTimeout(r, ACK_WAIT_MS * 2.5));
      held.release.get(1)!('done');
      expect(await running).toMatchObject({ ok: true, value: 'done', delivery: 1 });
      expect(held.deliveries).toHaveLength(1);
      await stop();
    });

    it(`gives up after ${MAX_DELIVERIES} deliveries with INTERRUPTED, saying so`, async () => {
      const h = fresh(SILENT_ACK_WAIT_MS);
      const queue = h.queue();
      const held = heldHandler(SILENT_ACK_WAIT_MS);
      const stop = await queue.consume('builder', ['build'], held.make('a', { silentOn: [1, 2, 3] }));
      const result = await queue.run(job(), { service: 'builder' });
      expect(result).toMatchObject({ ok: false, error: { code: 'INTERRUPTED' } });
      expect(!result.ok && result.error.message).toMatch(/interrupted 3 times/);
      expect(held.deliveries.map((d) => d.delivery)).toEqual([1, 2, 3]);
      await stop();
    }, 30_000);
  });
}

contract('InProcessJobQueue', (ackWaitMs) => {
  const queue = new InProcessJobQueue(ackWaitMs);
  return { queue: () => queue, cleanup: async () => undefined };
});

describe('InProcessJobQueue with no worker', () => {
  it('answers SERVICE_UNAVAILABLE at once', async () => {
    expect(await new InProcessJobQueue().run(job(), { service: 'builder' })).toMatchObject({ ok: false, error: { code: 'SERVICE_UNAVAILABLE' } });
  });
});

const connections: NatsConnection[] = [];
afterAll(async () => {
  for (const nc of connections) await nc.close().catch(() => undefined);
});

/** Each test its own namespace on the shared NATS: runs never meet, and its streams go afterwards. */
contract('JetStreamJobQueue (real NATS)', (ackWaitMs) => {
  const namespace = `test-jobs-${randomBytes(4).toString('hex')}`;
  const queues: JetStreamJobQueue[] = [];
  return {
    queue: () => {
      const q = new JetStreamJobQueue({ namespace, servers: [NATS_URL], ackWaitMs });
      queues.push(q);
      return q;
    },
    cleanup: async () => {
      for (const q of queues) await q.close();
      await deleteNamespaceStreams(NATS_URL, namespace);
    },
  };
});

describe('JetStreamJobQueue with no worker', () => {
  it('answers SERVICE_UNAVAILABLE once nobody took the job for a while, and takes the job off the queue', async () => {
    const namespace = `test-jobs-${randomBytes(4).toString('hex')}`;
    const queue = new JetStreamJobQueue({ namespace, servers: [NATS_URL], unavailableAfterMs: 1000, checkEveryMs: 250 });
    try {
      expect(await queue.run(job(), { service: 'builder' })).toMatchObject({
        ok: false,
        error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/no builder took/) },
      });
      const nc = await connect({ servers: NATS_URL });
      connections.push(nc);
      const jsm = await jetstreamManager(nc);
      expect((await jsm.streams.info(stepStreams(namespace).jobs)).state.messages).toBe(0);
    } finally {
      await queue.close();
      await deleteNamespaceStreams(NATS_URL, namespace);
    }
  });
});

describe('JetStreamJobQueue while NATS restarts', () => {
  it('does not fail a job SERVICE_UNAVAILABLE while NATS is away for longer than the no-worker wait, and finishes it once NATS is back', async () => {
    // A NATS server of the test's own: stopping the shared one would disturb every other test.
    const port = await freePort();
    const store = mkdtempSync(join(tmpdir(), 'servergem-jobs-nats-'));
    let nats: ChildProcess = await startNatsServer(port, store);
    const servers = [`nats://127.0.0.1:${port}`];
    // Checks close together, each request given up on after 1.5 s: a check while NATS is away takes
    // two request timeouts (3 s), 0.5 s apart.
    const options = { namespace: 'test-jobs', servers, unavailableAfterMs: 1000, checkEveryMs: 500, requestTimeoutMs: 1500, ackWaitMs: ACK_WAIT_MS };
    const orchestrator = new JetStreamJobQueue(options);
    const workers = new JetStreamJobQueue(options);
    try {
      const held = heldHandler();
      const stop = await workers.consume('builder', ['build'], held.make('a'));
      let settled: unknown;
      const running = orchestrator.run(job(), { service: 'builder' });
      void running.then((result) => (settled = result));
      await expect.poll(() => held.deliveries.length, { timeout: 10_000 }).toBe(1);
      nats.kill('SIGKILL');
      // Away long enough for two of the orchestrator's checks (3.5 s apart) to find nobody, further
      // apart than the no-worker wait, and for the job to be taken off the queue then (one more timeout).
      await new Promise((r) => setTimeout(r, 10_000));
      expect(settled).toBeUndefined();
      nats = await startNatsServer(port, store);
      // The step finishes (on the delivery it has by then: the one before the outage, or its redelivery).
      await expect
        .poll(
          () => {
            for (const release of held.release.values()) release('built');
            return settled;
          },
          { timeout: 20_000, interval: 500 },
        )
        .toMatchObject({ ok: true, value: 'built' });
      await stop();
    } finally {
      await orchestrator.close();
      await workers.close();
      nats.kill('SIGKILL');
      rmSync(store, { recursive: true, force: true });
    }
  }, 90_000);
});
