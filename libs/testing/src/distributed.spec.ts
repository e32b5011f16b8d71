import { randomBytes, randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { JetStreamJobQueue, stepJobId, stepStreams } from '#messaging';
import { deleteNamespaceStreams } from './distributed.js';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** The names of the streams on the server. */
async function streamNames(): Promise<string[]> {
  const nc = await connect({ servers: NATS_URL });
  try {
    const names: string[] = [];
    for await (const stream of (await jetstreamManager(nc)).streams.list()) names.push(stream.config.name);
    return names;
  } finally {
    await nc.close();
  }
}

/** An installation that ran one step's job, so its streams and its worker's consumer exist. */
async function installationThatRanAJob(namespace: string): Promise<void> {
  const queue = new JetStreamJobQueue({ namespace, servers: [NATS_URL] });
  try {
    await queue.consume('analyzer', ['analyze'], async () => ({ ok: true, value: null }));
    const deploymentId = randomUUID();
    const job = { id: stepJobId(deploymentId, 'analyze', 1), deploymentId, step: 'analyze' as const, attempt: 1, subject: 'analyzer.analyze.v1', payload: {} };
    await queue.run(job, { service: 'analyzer' });
  } finally {
    await queue.close();
  }
}

describe(deleteNamespaceStreams.name, () => {
  it("deletes one installation's streams on the shared NATS and leaves another's, even one whose name starts the same", async () => {
    const namespace = `test-cleanup-${randomBytes(4).toString('hex')}`;
    const other = `${namespace}-other`;
    await installationThatRanAJob(namespace);
    await installationThatRanAJob(other);
    try {
      const ours = stepStreams(namespace);
      const theirs = stepStreams(other);
      expect(await streamNames()).toEqual(expect.arrayContaining([ours.jobs, ours.results, theirs.jobs, theirs.results]));
      expect((await deleteNamespaceStreams(NATS_URL, namespace)).sort()).toEqual([ours.jobs, ours.results].sort());
      const left = await streamNames();
      expect(left).not.toContain(ours.jobs);
      expect(left).not.toContain(ours.results);
      expect(left).toEqual(expect.arrayContaining([theirs.jobs, theirs.results]));
    } finally {
      await deleteNamespaceStreams(NATS_URL, other);
    }
    expect((await streamNames()).filter((name) => name.startsWith(namespace))).toEqual([]);
  });
});
