// What the distributed mode costs, in one run against the all-in-one mode as the baseline:
// (a) per step, from the orchestrator running a step's job (it publishes it) to the worker's
//     handler starting, and to its result back, over JetStream on the shared NATS against the
//     in-process queue, p50 and p99 over many jobs;
// (b) a whole deploy of examples/node-hello on the local target, the five services as processes
//     on NATS JetStream and PostgreSQL (as the fault suite starts them) against the all-in-one
//     server on the same PostgreSQL, medians of a few runs, interleaved so load drifts alike.
// Everything runs under namespaces and schemas of its own, removed at the end with the apps.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = resolve(import.meta.dirname, '..');
const { startAllInOne } = await import(join(root, 'dist/apps/cli/src/all-in-one.js'));
const { deleteNamespaceStreams, deployOverSocket, dropSchema, installationEnv, startDistributed, TEST_DATABASE_URL, uniqueSchema } = await import(
  join(root, 'dist/libs/testing/src/index.js')
);
const { InProcessJobQueue, JetStreamJobQueue, stepJobId } = await import(join(root, 'dist/libs/messaging/src/index.js'));
const { recordedSharedDir } = await import(join(root, 'dist/libs/common/src/index.js'));
const { LocalDeployDriver } = await import(join(root, 'dist/apps/deployer/src/drivers/local-deploy.driver.js'));
const { deployerConfigSchema } = await import(join(root, 'dist/apps/deployer/src/deployer.config.js'));
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const JOBS = Number(process.env.BENCH_JOBS ?? 300);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const EXAMPLE = 'node-hello';

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const quantile = (xs, q) => sorted(xs)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const median = (xs) => quantile(xs, 0.5);
const ms = (x) => (x < 1 ? `${x.toFixed(3)} ms` : x < 10 ? `${x.toFixed(2)} ms` : `${Math.round(x)} ms`);

/** A worker taking the analyzer's jobs and a measure: jobs one after another, as a deployment's steps go. */
async function timedSteps(orchestrator, worker) {
  let started;
  await worker.consume('analyzer', ['analyze'], async ({ delivery }) => {
    started = performance.now();
    return { ok: true, value: null, delivery };
  });
  /** For each job: from the orchestrator running it (it publishes it) to the handler starting, and to its result. */
  return async (jobs) => {
    const toHandler = [];
    const roundTrip = [];
    for (let i = 0; i < jobs; i++) {
      const deploymentId = randomUUID();
      const job = { id: stepJobId(deploymentId, 'analyze', 1), deploymentId, step: 'analyze', attempt: 1, subject: 'analyzer.analyze.v1', payload: {} };
      started = undefined;
      const t = performance.now();
      const result = await orchestrator.run(job, { service: 'analyzer' });
      if (!result.ok || started === undefined) throw new Error(`the bench's job failed: ${JSON.stringify(result)}`);
      toHandler.push(started - t);
      roundTrip.push(performance.now() - t);
    }
    return { toHandler, roundTrip };
  };
}

async function perStep() {
  const warmUp = Math.min(30, JOBS);
  const inProcess = new InProcessJobQueue();
  const local = await timedSteps(inProcess, inProcess);
  await local(warmUp);
  const base = await local(JOBS);
  const namespace = `bench-jobs-${randomBytes(4).toString('hex')}`;
  // Two connections, as the orchestrator and a worker have: every job crosses the NATS server.
  const orchestrator = new JetStreamJobQueue({ namespace, servers: [NATS_URL], name: `${namespace}-orchestrator` });
  const worker = new JetStreamJobQueue({ namespace, servers: [NATS_URL], name: `${namespace}-worker` });
  try {
    const overNats = await timedSteps(orchestrator, worker);
    await overNats(warmUp);
    return { base, nats: await overNats(JOBS) };
  } finally {
    await orchestrator.close();
    await worker.close();
    await deleteNamespaceStreams(NATS_URL, namespace);
  }
}

/** Apps on the local target outlive ServerGem on purpose: the bench stops the ones it started, and removes the folders. */
async function removeInstallation(home) {
  await new LocalDeployDriver(deployerConfigSchema.parse({ SERVERGEM_HOME: home })).stopAll();
  const shared = recordedSharedDir(home);
  if (shared) rmSync(shared, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}

async function timedDeploy(server) {
  const t = performance.now();
  const transcript = await deployOverSocket(server, { repoUrl: join(root, 'examples', EXAMPLE) });
  if (!transcript.complete) throw new Error(`${EXAMPLE} failed: ${JSON.stringify(transcript.error)}`);
  return performance.now() - t;
}

async function wholeDeploy() {
  const distributedHome = mkdtempSync(join(tmpdir(), 'bench-jobs-dist-'));
  const allInOneHome = mkdtempSync(join(tmpdir(), 'bench-jobs-aio-'));
  const distributedSchema = uniqueSchema('bench_jobs');
  const allInOneSchema = uniqueSchema('bench_jobs_aio');
  let distributed;
  let allInOne;
  try {
    distributed = await startDistributed(
      root,
      installationEnv({ natsUrl: NATS_URL, databaseUrl: TEST_DATABASE_URL, namespace: distributedSchema, home: distributedHome }),
    );
    allInOne = await startAllInOne(
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SERVERGEM_HOME: allInOneHome,
        PORT: '0',
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: allInOneSchema,
      },
      () => undefined,
    );
    // The first deploy of each warms its caches and connections; it is not counted.
    await timedDeploy(distributed);
    await timedDeploy(allInOne);
    const times = { distributed: [], allInOne: [] };
    for (let i = 0; i < RUNS; i++) {
      times.distributed.push(await timedDeploy(distributed));
      times.allInOne.push(await timedDeploy(allInOne));
    }
    return times;
  } finally {
    await distributed?.stop();
    await allInOne?.stop();
    await removeInstallation(distributedHome);
    await removeInstallation(allInOneHome);
    await dropSchema(distributedSchema);
    await dropSchema(allInOneSchema);
  }
}

const steps = await perStep();
console.log(`ServerGem step-jobs bench: ${JOBS} jobs one after another (p50 / p99), then ${RUNS} deploys of examples/${EXAMPLE} per mode (medians)\n`);
console.log('per step                           in-process            JetStream (NATS)      ratio p50   ratio p99');
for (const [label, key] of [
  ['run → worker handler started', 'toHandler'],
  ['run → result back (empty step)', 'roundTrip'],
]) {
  const b = steps.base[key];
  const n = steps.nats[key];
  const pair = (xs) => `${ms(median(xs))} / ${ms(quantile(xs, 0.99))}`.padEnd(22);
  console.log(
    `${label.padEnd(34)} ${pair(b)}${pair(n)}${`${(median(n) / median(b)).toFixed(0)}x`.padEnd(12)}${(quantile(n, 0.99) / quantile(b, 0.99)).toFixed(0)}x`,
  );
}
const deploys = await wholeDeploy();
const d = median(deploys.distributed);
const a = median(deploys.allInOne);
console.log(`\nwhole deploy of ${EXAMPLE} (local target)   all-in-one ${ms(a)}   distributed ${ms(d)}   ratio ${(d / a).toFixed(2)}x`);
console.log(`  runs: all-in-one ${deploys.allInOne.map(ms).join(', ')}; distributed ${deploys.distributed.map(ms).join(', ')}`);
process.exit(0);
