import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepStreams } from '#messaging';
import {
  apiJson,
  deployOverSocket,
  dropSchema,
  installationEnv,
  startDistributed,
  tempApps,
  TEST_DATABASE_URL,
  uniqueSchema,
  watchDeployment,
  type DeploymentWatch,
  type Distributed,
  type ServerUnderTest,
} from '#testing';
import { completionsFile, eventsOf, expectLive, faultApp, follow, type StoredEvent } from './fault-checks.js';
import { removeInstallation } from './stop-local-apps.js';

const root = resolve(import.meta.dirname, '../..');
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
/** Deployments sent at once, over both gateways. */
const AT_ONCE = 10;
/**
 * NATS hands each request to one member of the queue group at random, so all ten can go to one
 * orchestrator (a 1-in-512 chance): then more are sent, two at a time, until both have run some, up
 * to this many more. Two orchestrators that both take work fail that 1 in 2^29 times; one that never
 * takes any fails it always.
 */
const MORE_AT_MOST = 20;

/** What a client is sent of a stored event, as the stored log has it. */
const shown = ({ seq, stage, progress, message, logs }: { seq: number; stage: string; progress?: number; message: string; logs?: string[] }) => ({
  seq,
  stage,
  progress,
  message,
  logs,
});

/**
 * Replicas in the distributed mode: two gateways and two orchestrators (and one of each worker),
 * each its own process, on the shared NATS JetStream (a namespace of the file's own) and PostgreSQL.
 * Every gateway streams every event of a deployment, whichever orchestrator stored it, exactly once
 * and in order; one orchestrator runs a deployment, and each of its steps is one job, run once.
 */
describe('replicas: two gateways stream every event, two orchestrators never run one deployment twice', { timeout: 120_000 }, () => {
  const schema = uniqueSchema('e2e_replicas');
  const apps = tempApps('servergem-replicas-');
  const completions = completionsFile();
  const streams = stepStreams(schema);
  let sut: Distributed;
  let home: string;
  let gatewayA: ServerUnderTest;
  let gatewayB: ServerUnderTest;
  let db: pg.Client;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  /** Every lease owner seen on each deployment, read from its row while it runs. */
  const leaseOwners = new Map<string, Set<string>>();
  let watchingLeases: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-replicas-'));
    sut = await startDistributed(
      root,
      installationEnv(
        { natsUrl: NATS_URL, databaseUrl: TEST_DATABASE_URL, namespace: schema, home },
        // Each deployment has a socket sending it and up to three watching it.
        { SOCKETS_PER_ADDRESS: String(4 * AT_ONCE) },
      ),
      { replicas: { gateway: 2, orchestrator: 2 } },
    );
    gatewayA = sut.gateways.get('gateway')!;
    gatewayB = sut.gateways.get('gateway-2')!;
    db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    nc = await connectNats({ servers: NATS_URL });
    jsm = await jetstreamManager(nc);
    const poll = async () => {
      const { rows } = await db
        .query<{ id: string; lease_owner: string }>(`SELECT id, lease_owner FROM ${schema}.deployments WHERE lease_owner IS NOT NULL`)
        .catch(() => ({ rows: [] as { id: string; lease_owner: string }[] }));
      for (const { id, lease_owner } of rows) leaseOwners.set(id, (leaseOwners.get(id) ?? new Set()).add(lease_owner));
      watchingLeases = setTimeout(() => void poll(), 100);
    };
    await poll();
  });

  afterAll(async () => {
    clearTimeout(watchingLeases);
    watchingLeases = undefined;
    await nc?.close();
    await db?.end();
    await sut?.stop();
    await removeInstallation(home);
    await dropSchema(schema);
    apps.cleanup();
    completions.remove();
  });

  const app = (buildSeconds: number) => faultApp(apps, completions.path, { buildSeconds });

  /** The ids of the deployments of these sources, once all are stored. */
  async function deploymentsOf(sources: string[]): Promise<string[]> {
    let ids: (string | undefined)[] = [];
    await expect
      .poll(
        async () => {
          const list = await apiJson<{ deployments: { id: string; repoUrl: string }[] }>(gatewayA, '/api/deployments').catch(() => ({ deployments: [] }));
          ids = sources.map((s) => list.deployments.find((d) => d.repoUrl === s)?.id);
          return ids.every(Boolean);
        },
        { timeout: 60_000, interval: 100 },
      )
      .toBe(true);
    return ids as string[];
  }

  /** The orchestrator process whose lease this is (`<host>:<pid>:<nonce>`). */
  function orchestratorOf(leaseOwner: string): string | undefined {
    const pid = Number(leaseOwner.split(':').at(-2));
    return ['orchestrator', 'orchestrator-2'].find((name) => sut.processes.get(name)?.pid === pid);
  }

  /** How many jobs the work-queue stream took so far (a job it already holds, published again, adds none). */
  const jobsPublished = async () => (await jsm.streams.info(streams.jobs)).state.last_seq;

  /** What the results stream holds for each job of a deployment: one claim per delivery, then its result. */
  async function resultsOf(deploymentId: string): Promise<Record<string, number>> {
    const prefix = streams.resultSubject(`${deploymentId}:`);
    const info = await jsm.streams.info(streams.results, { subjects_filter: `${prefix}>` });
    return Object.fromEntries(Object.entries(info.state.subjects ?? {}).map(([subject, count]) => [subject.slice(prefix.length), count]));
  }

  /**
   * Ran by one orchestrator, once: it claimed the deployment once (a second claim, by either of
   * them, counts as an attempt), one lease owner was ever seen on it, and each step was one job
   * delivered once (its claim and its result), one build of which ran to completion. Resolves with
   * the orchestrator's name.
   */
  async function expectRunOnce(deploymentId: string, events: StoredEvent[]): Promise<string> {
    const { rows } = await db.query<{ attempts: number; lease_owner: string | null }>(`SELECT attempts, lease_owner FROM ${schema}.deployments WHERE id = $1`, [
      deploymentId,
    ]);
    expect(rows[0]).toEqual({ attempts: 1, lease_owner: null });
    expect(events.some((e) => e.message.startsWith('Resuming after an interruption'))).toBe(false);
    const owners = [...(leaseOwners.get(deploymentId) ?? [])];
    expect(owners).toHaveLength(1);
    const orchestrator = orchestratorOf(owners[0]!);
    expect(orchestrator, `the lease owner ${owners[0]}`).toBeDefined();
    expect(await resultsOf(deploymentId)).toEqual({ 'analyze.1': 2, 'build.1': 2, 'deploy.1': 2 });
    return orchestrator!;
  }

  /** A watcher saw the stored events after its `afterSeq`, each once, in order, as stored. */
  function expectSawAll(watch: DeploymentWatch, events: StoredEvent[], afterSeq = 0) {
    expect(watch.updates.map(shown)).toEqual(events.filter((e) => e.seq > afterSeq).map(shown));
  }

  it('a deploy sent to gateway A is streamed by both gateways: each client sees every event once, in seq order, as stored; live', async () => {
    const source = app(6);
    const jobsBefore = await jobsPublished();
    const ended = deployOverSocket(gatewayA, { repoUrl: source }, { timeoutMs: 90_000 });
    const [id] = await deploymentsOf([source]);
    // The same owner watching from the start on either gateway, and one more joining gateway B mid-build.
    const onA = watchDeployment(gatewayA, id!);
    const onB = watchDeployment(gatewayB, id!);
    await expect
      .poll(async () => (await eventsOf(gatewayB, id!)).some((e) => (e.logs ?? []).includes('building, step 2')), { timeout: 60_000, interval: 100 })
      .toBe(true);
    const midway = await follow(gatewayB, id!);
    const transcript = await ended;
    // Gap-free, the mid-way watcher's seqs (after leaving and coming back every 3 events), one build run to completion; live.
    const events = await expectLive(gatewayB, transcript, id!, midway, completions.path);
    expect(midway.afterSeq).toBeGreaterThan(0);
    expect(await eventsOf(gatewayA, id!)).toEqual(events);
    await Promise.all([onA.ended, onB.ended]);
    for (const watch of [onA, onB, midway]) expect(watch.refused).toBeUndefined();
    expectSawAll(onA, events);
    expectSawAll(onB, events);
    expectSawAll(midway, events, midway.afterSeq);
    expect(transcript.updates.map(shown)).toEqual(events.map(shown));
    // One orchestrator ran it, and its three steps were three jobs, each run once.
    const ranOn = await expectRunOnce(id!, events);
    expect((await jobsPublished()) - jobsBefore).toBe(3);
    console.log(`replicas: ${events.length} events streamed by both gateways; the workflow ran on ${ranOn}`);
  });

  /**
   * Deploys the sources at once, alternately over gateway A and B, each watched on the gateway it
   * was not sent to: each goes live, streamed whole, run once. Resolves with the orchestrator of each.
   */
  async function deployAtOnce(sources: string[]): Promise<string[]> {
    const gateways = sources.map((_, i) => (i % 2 === 0 ? gatewayA : gatewayB));
    const ended = sources.map((source, i) => deployOverSocket(gateways[i]!, { repoUrl: source }, { timeoutMs: 100_000 }));
    const ids = await deploymentsOf(sources);
    const watches = await Promise.all(ids.map((id, i) => follow(gateways[i] === gatewayA ? gatewayB : gatewayA, id)));
    const transcripts = await Promise.all(ended);
    const ranOn: string[] = [];
    for (const [i, id] of ids.entries()) {
      const events = await expectLive(gateways[i]!, transcripts[i]!, id, watches[i]!, completions.path);
      expectSawAll(watches[i]!, events, watches[i]!.afterSeq);
      ranOn.push(await expectRunOnce(id, events));
    }
    return ranOn;
  }

  it(
    `${AT_ONCE} deployments at once over both gateways: all live, each run by one orchestrator, and both orchestrators ran some`,
    { timeout: 300_000 },
    async () => {
      const jobsBefore = await jobsPublished();
      const ranOn = await deployAtOnce(Array.from({ length: AT_ONCE }, () => app(1)));
      expect((await jobsPublished()) - jobsBefore).toBe(3 * AT_ONCE);
      const count = (name: string) => ranOn.filter((o) => o === name).length;
      const first = { orchestrator: count('orchestrator'), 'orchestrator-2': count('orchestrator-2') };
      for (let more = 0; more < MORE_AT_MOST && (count('orchestrator') === 0 || count('orchestrator-2') === 0); more += 2) {
        ranOn.push(...(await deployAtOnce([app(1), app(1)])));
      }
      const counts = { orchestrator: count('orchestrator'), 'orchestrator-2': count('orchestrator-2') };
      console.log(
        `replicas: ${AT_ONCE} deployments at once over two orchestrators: ${JSON.stringify(first)}; ${ranOn.length - AT_ONCE} more sent: ${JSON.stringify(counts)}`,
      );
      expect(counts.orchestrator).toBeGreaterThan(0);
      expect(counts['orchestrator-2']).toBeGreaterThan(0);
    },
  );
});
