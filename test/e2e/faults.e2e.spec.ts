import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_JOBS_AT_ONCE, stepStreams } from '#messaging';
import {
  apiJson,
  deployOverSocket,
  dropSchema,
  installationEnv,
  startDistributed,
  tempApps,
  TEST_DATABASE_URL,
  uniqueSchema,
  type DeployTranscript,
  type Distributed,
} from '#testing';
import {
  completionsFile,
  completionsOf,
  eventsOf,
  expectLive as expectLiveOn,
  expectWhole as expectWholeOn,
  faultApp,
  follow as followOn,
  type Follower,
  type StoredEvent,
} from './fault-checks.js';
import { removeInstallation } from './stop-local-apps.js';

const root = resolve(import.meta.dirname, '../..');
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
/** A silent worker's job is handed out again after this long (30 s by default; short here to keep the suite quick). */
const ACK_WAIT_SECONDS = 4;
/** How long the fixture's slow build prints for: longer than a builder's restart, so a build it left running is caught running. */
const BUILD_SECONDS = 14;
/** How long a retry of a build prints for: the build it took over is stopped, not waited for. */
const RETRY_BUILD_SECONDS = 2;
/** A job nobody takes fails after this long (15 s by default; short here, the fault is the same). */
const NO_WORKER_SECONDS = 3;
/** A deployment's lease (30 s by default): a restarted orchestrator resumes once it ran out. */
const LEASE_SECONDS = 6;
/** How many deployments are sent at once to two builder replicas. */
const AT_ONCE = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Faults in the distributed mode: the five services as processes on the shared NATS (a namespace
 * of the suite's own) and PostgreSQL, one setup for every fault. Each fault is checked for: the
 * deployment ends (within the test's timeout), its event log is gap-free, a client that subscribed
 * with `afterSeq` mid-way and reconnected now and then saw every event exactly once, and at most
 * one build ran to completion.
 */
describe('distributed mode under faults: a crashed worker or orchestrator costs seconds, not the deployment', { timeout: 150_000 }, () => {
  const schema = uniqueSchema('e2e_faults');
  const apps = tempApps('servergem-faults-');
  let sut: Distributed;
  let home: string;
  /** Each build of the fixture that runs to completion writes a line here. */
  const completions = completionsFile();

  const app = (options: { buildSeconds?: number; listenAfterMs?: number } = {}) =>
    faultApp(apps, completions.path, {
      buildSeconds: BUILD_SECONDS,
      retryBuildSeconds: Math.min(RETRY_BUILD_SECONDS, options.buildSeconds ?? BUILD_SECONDS),
      // A retry's app answers at once: the one started before it is stopped, not waited for.
      retryListenAfterMs: 0,
      ...options,
    });
  let nc: NatsConnection;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-faults-'));
    // No analyzer at all to begin with (the first fault); it is started once that has been seen.
    sut = await startDistributed(
      root,
      installationEnv(
        { natsUrl: NATS_URL, databaseUrl: TEST_DATABASE_URL, namespace: schema, home },
        {
          STEP_ACK_WAIT_SECONDS: String(ACK_WAIT_SECONDS),
          STEP_NO_WORKER_SECONDS: String(NO_WORKER_SECONDS),
          DEPLOYMENT_LEASE_SECONDS: String(LEASE_SECONDS),
          // Each deployment has a socket sending it and one watching it.
          SOCKETS_PER_ADDRESS: String(4 * AT_ONCE),
        },
      ),
      { without: ['analyzer'] },
    );
    nc = await connectNats({ servers: NATS_URL });
  });

  afterAll(async () => {
    await nc?.close();
    await sut?.stop();
    await removeInstallation(home);
    await dropSchema(schema);
    apps.cleanup();
    completions.remove();
  });

  async function deploymentOf(source: string): Promise<string | undefined> {
    const list = await apiJson<{ deployments: { id: string; repoUrl: string }[] }>(sut, '/api/deployments').catch(() => ({ deployments: [] }));
    return list.deployments.find((d) => d.repoUrl === source)?.id;
  }

  /** Starts a deploy of `source`, resolves once its id is known and `ready` holds for its events, with its watcher and its end to come. */
  async function deployUntil(source: string, ready: (events: StoredEvent[]) => boolean) {
    // Started by the first fault, once it has been seen missing (or here, when that fault is left out).
    if (!sut.processes.has('analyzer')) sut.start('analyzer');
    const ended = deployOverSocket(sut, { repoUrl: source }, { timeoutMs: 150_000 });
    let deploymentId: string | undefined;
    await expect
      .poll(
        async () => {
          deploymentId ??= await deploymentOf(source);
          return deploymentId !== undefined && ready(await eventsOf(sut, deploymentId));
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBe(true);
    return { deploymentId: deploymentId!, ended, watch: await follow(deploymentId!) };
  }

  const building = (events: StoredEvent[]) => events.some((e) => (e.logs ?? []).some((l) => l.includes('building, step 2')));
  const deployUntilBuilding = () => deployUntil(app(), building);

  /**
   * Starts another replica of a worker service (two in all) and resolves once it takes jobs: while
   * both are idle, each has a pull per job slot waiting on the service's consumer.
   */
  async function startSecondReplica(name: string, service: 'builder' | 'deployer'): Promise<void> {
    sut.start(name, service);
    const jsm = await jetstreamManager(nc);
    await expect
      .poll(async () => (await jsm.consumers.info(stepStreams(schema).jobs, service).catch(() => null))?.num_waiting ?? 0, { timeout: 60_000, interval: 100 })
      .toBeGreaterThanOrEqual(2 * DEFAULT_JOBS_AT_ONCE);
  }

  /** The build processes of a deployment still running on the machine. */
  const buildsOf = (deploymentId: string) => processes('build.js').filter((p) => p.cwd.includes(`/${deploymentId}/`));

  const follow = (id: string) => followOn(sut, id);
  const expectWhole = (id: string, watch: Follower, live: boolean) => expectWholeOn(sut, id, watch, completions.path, live);
  const expectLive = (transcript: DeployTranscript, id: string, watch: Follower) => expectLiveOn(sut, transcript, id, watch, completions.path);

  /** The processes of the machine running `node <script>`, with their working folder and process group. */
  function processes(script: string): { pid: number; cwd: string; group: number }[] {
    return readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .flatMap((entry) => {
        try {
          const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
          if (!argv[0]!.endsWith('node') || argv[1] !== script) return [];
          const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
          const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
          return [{ pid: Number(entry), cwd: readlinkSync(`/proc/${entry}/cwd`), group }];
        } catch {
          return [];
        }
      });
  }

  /** The local runtime's state.json of the service a deployment deploys (its candidate or its live process). */
  const stateOf = (id: string) =>
    readdirSync(join(home, 'runtime'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => {
        try {
          return JSON.parse(readFileSync(join(home, 'runtime', e.name, 'state.json'), 'utf8')) as {
            proxyPort: number;
            current: string | null;
            process: { pid: number; deploymentId: string } | null;
            candidate: { pid: number; deploymentId: string } | null;
          };
        } catch {
          return null;
        }
      })
      .find((s) => s?.candidate?.deploymentId === id || s?.process?.deploymentId === id);

  /** The builder replica the build's process descends from. */
  function replicaOf(ancestors: number[], names: string[]): string | undefined {
    return names.find((n) => ancestors.includes(sut.processes.get(n)?.pid ?? -1));
  }

  it(
    'no analyzer running at all: the deployment fails SERVICE_UNAVAILABLE naming the analyzer within 30 s, and says what to do',
    { timeout: 30_000 },
    async () => {
      const source = app();
      const ended = deployOverSocket(sut, { repoUrl: source }, { timeoutMs: 30_000 });
      let id: string | undefined;
      await expect.poll(async () => (id ??= await deploymentOf(source)), { timeout: 10_000, interval: 100 }).toBeDefined();
      const watch = await follow(id!);
      const transcript = await ended;
      expect(transcript.error).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        message: expect.stringMatching(/^The analyzer is unavailable: no analyzer took the analyze step within \d+ s\.$/),
        hint: expect.stringContaining('Start the analyzer service'),
      });
      const { deployment } = await apiJson<{ deployment: { status: string; error: { code: string } | null } }>(sut, `/api/deployments/${id}`);
      expect(deployment).toMatchObject({ status: 'failed', error: { code: 'SERVICE_UNAVAILABLE' } });
      await expectWhole(id!, watch, false);
      // Every other fault has one.
      sut.start('analyzer');
    },
  );

  it('two builder replicas, the busy one SIGKILLed mid-build: the other takes the job over, the build it left running is stopped, and the deployment goes live saying the step was retried', async () => {
    await startSecondReplica('builder-2', 'builder');
    const { deploymentId, ended, watch } = await deployUntilBuilding();
    const replicas = ['builder', 'builder-2'];
    const busy = replicas.find((name) => processes('build.js').some((p) => p.cwd.includes(`/${deploymentId}/`) && replicaOfPid(p.pid) === name));
    expect(busy).toBeDefined();
    const killedAt = Date.now();
    await sut.kill(busy!);
    const events = await expectLive(await ended, deploymentId, watch);
    expect(events.some((e) => /Retrying the build step \(attempt 2 of 3\)/.test(e.message))).toBe(true);
    // The build the killed replica left running was stopped by the one left.
    const survivor = replicas.find((name) => name !== busy)!;
    expect(sut.output.get(survivor)!.join('')).toContain('Stopped 1 build left running by a builder that is gone');
    expect(buildsOf(deploymentId)).toEqual([]);
    console.log(`faults: a killed builder's build was taken over and live ${Math.round((Date.now() - killedAt) / 1000)} s after the kill`);
    // Leave one builder, under the usual name, for the next faults.
    if (busy === 'builder') {
      sut.processes.set('builder', sut.processes.get('builder-2')!);
      sut.processes.delete('builder-2');
    }
  });

  /** The service process a pid descends from, by name. */
  function replicaOfPid(pid: number): string | undefined {
    const ancestors: number[] = [];
    for (let at: number | undefined = pid; at && at > 1 && ancestors.length < 12;) {
      ancestors.push(at);
      try {
        const stat: string = readFileSync(`/proc/${at}/stat`, 'utf8');
        at = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      } catch {
        at = undefined;
      }
    }
    return replicaOf(ancestors, [...sut.processes.keys()]);
  }

  it('the only builder SIGKILLed mid-build and restarted 5 s later: live, the step retried in a folder of its own, the build it left running stopped', async () => {
    const { deploymentId, ended, watch } = await deployUntilBuilding();
    await sut.kill('builder');
    await sleep(5000);
    const killed = sut.output.get('builder')!.length;
    const restartedAt = Date.now();
    sut.start('builder');
    const reaped = expect
      .poll(() => sut.output.get('builder')!.slice(killed).join(''), { timeout: 30_000, interval: 50 })
      .toContain('Stopped 1 build left running')
      .then(() => Date.now() - restartedAt);
    const events = await expectLive(await ended, deploymentId, watch);
    expect(events.some((e) => /Retrying the build step/.test(e.message))).toBe(true);
    // The restarted builder stopped the build its predecessor left running, as it started.
    expect(sut.output.get('builder')!.slice(killed).join('')).toContain('Stopped 1 build left running by a builder that is gone');
    expect(buildsOf(deploymentId)).toEqual([]);
    console.log(`faults: the restarted builder stopped the build left running ${((await reaped) / 1000).toFixed(1)} s after it was started`);
  });

  it('the orchestrator SIGKILLed mid-build and restarted: it resumes the deployment and it goes live', async () => {
    // Longer than the lease: the orchestrator resumes while the build still runs.
    const { deploymentId, ended, watch } = await deployUntil(app({ buildSeconds: 10 }), building);
    await sut.kill('orchestrator');
    sut.start('orchestrator');
    const events = await expectLive(await ended, deploymentId, watch);
    expect(events.some((e) => /Resuming after an interruption/.test(e.message))).toBe(true);
  });

  it("the deployer SIGKILLed mid-deploy (the new app starting) and restarted: live, with one app process, the deployer's own", async () => {
    const source = app({ buildSeconds: 1, listenAfterMs: 4000 });
    const { deploymentId, ended, watch } = await deployUntil(source, (events) => events.some((e) => e.stage === 'deploying'));
    // The deployer has started the new app and waits for it to answer.
    await expect.poll(() => existsSync(join(home, 'runtime')) && stateOf(deploymentId)?.candidate?.pid, { timeout: 30_000, interval: 50 }).toBeTruthy();
    const orphan = stateOf(deploymentId)!.candidate!.pid;
    await sut.kill('deployer');
    await sleep(1000);
    sut.start('deployer');
    const events = await expectLive(await ended, deploymentId, watch);
    expect(events.some((e) => /Retrying the deploy step/.test(e.message))).toBe(true);
    const state = stateOf(deploymentId)!;
    expect(state.candidate).toBeNull();
    expect(state.process?.deploymentId).toBe(deploymentId);
    // One app process of the deployment on the machine: the one the deployer supervises (its process group), not the one it started before it died.
    const running = processes('server.js').filter((p) => p.cwd.includes(`/${deploymentId}/`));
    expect(running).toHaveLength(1);
    expect(running[0]!.group).toBe(state.process!.pid);
    expect(running[0]!.group).not.toBe(orphan);
  });

  it('the same deploy sent twice with one clientMessageId makes one deployment', async () => {
    const clientMessageId = randomUUID();
    const source = app({ buildSeconds: 2 });
    const both = Promise.all([
      deployOverSocket(sut, { repoUrl: source }, { timeoutMs: 150_000, clientMessageId }),
      deployOverSocket(sut, { repoUrl: source }, { timeoutMs: 150_000, clientMessageId }),
    ]);
    let id: string | undefined;
    await expect.poll(async () => (id ??= await deploymentOf(source)), { timeout: 30_000, interval: 100 }).toBeDefined();
    const watch = await follow(id!);
    const [first, second] = await both;
    const list = await apiJson<{ deployments: { id: string; repoUrl: string }[] }>(sut, '/api/deployments');
    expect(list.deployments.filter((d) => d.repoUrl === source)).toHaveLength(1);
    expect(first.deploymentId ?? second.deploymentId).toBe(id);
    if (first.deploymentId && second.deploymentId) expect(first.deploymentId).toBe(second.deploymentId);
    await expectLive(first.complete ? first : second, id!, watch);
  });

  it(`${AT_ONCE} deployments at once with two builder replicas: all live, and each replica built some`, async () => {
    await startSecondReplica('builder-2', 'builder');
    const sources = Array.from({ length: AT_ONCE }, () => app({ buildSeconds: 2 }));
    const ended = sources.map((source) => deployOverSocket(sut, { repoUrl: source }, { timeoutMs: 150_000 }));
    const ids: string[] = [];
    await expect
      .poll(
        async () => {
          const list = await apiJson<{ deployments: { id: string; repoUrl: string }[] }>(sut, '/api/deployments');
          ids.splice(0, ids.length, ...sources.map((s) => list.deployments.find((d) => d.repoUrl === s)?.id ?? ''));
          return ids.every(Boolean);
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBe(true);
    const watches = await Promise.all(ids.map((id) => follow(id)));
    const transcripts = await Promise.all(ended);
    for (const [index, transcript] of transcripts.entries()) await expectLive(transcript, ids[index]!, watches[index]!);
    const builtBy = ids.map((id) => replicaOf(completionsOf(completions.path, id)[0]!.ancestors, ['builder', 'builder-2']));
    const counts = Object.fromEntries(['builder', 'builder-2'].map((name) => [name, builtBy.filter((b) => b === name).length]));
    console.log(`faults: ${AT_ONCE} builds at once over two builder replicas: ${JSON.stringify(counts)}`);
    expect(builtBy.every(Boolean)).toBe(true);
    expect(counts.builder).toBeGreaterThan(0);
    expect(counts['builder-2']).toBeGreaterThan(0);
  });

  it('two builder replicas, the busy one frozen (SIGSTOP) mid-build and thawed once its job went to the other: the retry stops the build it left running, its late result is dropped, live', async () => {
    // Two replicas, as the fault before leaves them (or started here when that one is left out).
    if (!sut.processes.has('builder-2')) await startSecondReplica('builder-2', 'builder');
    const { deploymentId, ended, watch } = await deployUntil(app({ buildSeconds: 10 }), building);
    const replicas = ['builder', 'builder-2'];
    const busy = replicas.find((name) => processes('build.js').some((p) => p.cwd.includes(`/${deploymentId}/`) && replicaOfPid(p.pid) === name))!;
    expect(busy).toBeDefined();
    // Silent but alive: no heartbeat, while the build it started goes on.
    sut.processes.get(busy)!.kill('SIGSTOP');
    try {
      await expect
        .poll(async () => (await eventsOf(sut, deploymentId)).some((e) => /Stopped the build an earlier attempt left running/.test(e.logs?.join('\n') ?? '')), {
          timeout: 30_000,
          interval: 250,
        })
        .toBe(true);
    } finally {
      sut.processes.get(busy)!.kill('SIGCONT');
    }
    await expectLive(await ended, deploymentId, watch);
    expect(buildsOf(deploymentId)).toEqual([]);
    // The thawed replica's build failed (it was stopped) and its result was dropped: the one that took the job over decided.
    await expect
      .poll(() => sut.output.get(busy)!.join(''), { timeout: 15_000 })
      .toContain(`Dropped the late result of the build step of deployment ${deploymentId} (attempt 1, delivery 1)`);
  });

  it('two deployer replicas, the busy one frozen (SIGSTOP) mid-deploy and thawed once its job went to the other: the retry stops the app it was starting, the thawed one changes nothing, one app process, live', async () => {
    await startSecondReplica('deployer-2', 'deployer');
    const { deploymentId, ended, watch } = await deployUntil(app({ buildSeconds: 1, listenAfterMs: 6000 }), (events) =>
      events.some((e) => e.stage === 'deploying'),
    );
    // The deployer has started the new app (a child of its own) and waits for it to answer.
    await expect.poll(() => existsSync(join(home, 'runtime')) && stateOf(deploymentId)?.candidate?.pid, { timeout: 30_000, interval: 50 }).toBeTruthy();
    const first = stateOf(deploymentId)!.candidate!.pid;
    const parent = Number(readFileSync(`/proc/${first}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    const busy = ['deployer', 'deployer-2'].find((name) => sut.processes.get(name)?.pid === parent)!;
    expect(busy).toBeDefined();
    sut.processes.get(busy)!.kill('SIGSTOP');
    let transcript: DeployTranscript;
    try {
      transcript = await ended;
    } finally {
      sut.processes.get(busy)!.kill('SIGCONT');
    }
    // Thawed, it finds the service taken over: it stops what it started and changes nothing else (its result is dropped).
    await expect.poll(() => sut.output.get(busy)!.join(''), { timeout: 30_000 }).toContain(`Deploy attempt 1 of ${deploymentId} to `);
    const events = await expectLive(transcript, deploymentId, watch);
    expect(events.some((e) => /Retrying the deploy step/.test(e.message))).toBe(true);
    const state = stateOf(deploymentId)!;
    expect(state).toMatchObject({ current: deploymentId, candidate: null, process: { deploymentId } });
    expect(await (await fetch(`http://127.0.0.1:${state.proxyPort}/`)).text()).toBe('ok\n');
    const running = processes('server.js').filter((p) => p.cwd.includes(`/${deploymentId}/`));
    expect(running).toHaveLength(1);
    expect(running[0]!.group).toBe(state.process!.pid);
    expect(running[0]!.group).not.toBe(first);
  });
});
