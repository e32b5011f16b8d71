// Time from a cancel request to the deployment's `deployment_error` (CANCELLED) and to the moment
// no process of its build is left, for a local build that would run for a minute, against a
// baseline in the same run: a plain REST read of the same deployment through the gateway, the
// orchestrator and PostgreSQL. The ratio is the cancel's time over that round trip.
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = resolve(import.meta.dirname, '..');
const { startAllInOne } = await import(join(root, 'dist/apps/cli/src/all-in-one.js'));
const { apiJson, connect, deployOverSocket } = await import(join(root, 'dist/libs/testing/src/index.js'));
const { LocalDeployDriver } = await import(join(root, 'dist/apps/deployer/src/drivers/local-deploy.driver.js'));
const { deployerConfigSchema } = await import(join(root, 'dist/apps/deployer/src/deployer.config.js'));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${Math.round(x)} ms`;

/** Whether any live process is in the group. */
function groupAlive(group) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const [state, , pgrp] = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ').at(-1).split(' ');
      if (Number(pgrp) === group && state !== 'Z') return true;
    } catch {
      // Gone while read.
    }
  }
  return false;
}

/** Starts the slow build and resolves once it runs, with its process group and a promise of its end. */
function slowBuild(server, source) {
  const socket = connect(server);
  let id;
  let ended;
  const end = new Promise((r) => (ended = r));
  socket.on('deployment_error', (e) => ended({ ...e.data, at: performance.now() }));
  return new Promise((done, fail) => {
    socket.on('message', (reply) => typeof reply.data.metadata.deploymentId === 'string' && (id = reply.data.metadata.deploymentId));
    socket.on('deployment_update', (u) => {
      for (const line of u.data.logs) {
        const m = /process group (\d+)/.exec(line);
        if (m && id) done({ id, group: Number(m[1]), end, close: () => socket.close() });
      }
    });
    socket.on('deployment_complete', () => fail(new Error('the slow build completed')));
    socket.emit('message', { type: 'message', message: `deploy ${source}`, context: { action: 'deploy', repoUrl: source }, clientMessageId: randomUUID() });
  });
}

const home = mkdtempSync(join(tmpdir(), 'bench-cancel-'));
const work = mkdtempSync(join(tmpdir(), 'bench-cancel-src-'));
const source = join(work, 'slow-build-bench');
cpSync(join(root, 'test/fixtures/slow-build'), source, { recursive: true });
const server = await startAllInOne({ PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0' }, () => undefined);
try {
  writeFileSync(join(source, 'quick-build'), '');
  const first = await deployOverSocket(server, { repoUrl: source });
  if (!first.complete) throw new Error(`the first deployment failed: ${JSON.stringify(first.error)}`);
  rmSync(join(source, 'quick-build'));

  const toError = [];
  const toGone = [];
  const baseline = [];
  for (let i = 0; i < RUNS; i++) {
    const build = await slowBuild(server, source);
    let t = performance.now();
    await apiJson(server, `/api/deployments/${build.id}`);
    baseline.push(performance.now() - t);
    t = performance.now();
    await apiJson(server, `/api/deployments/${build.id}/cancel`, { method: 'POST', body: {} });
    const error = await build.end;
    if (error.code !== 'CANCELLED') throw new Error(`ended ${error.code}, not CANCELLED`);
    toError.push(error.at - t);
    while (groupAlive(build.group)) await new Promise((r) => setTimeout(r, 5));
    toGone.push(performance.now() - t);
    build.close();
  }
  const base = median(baseline);
  console.log(`ServerGem cancel bench (local build of a minute): ${RUNS} runs, medians\n`);
  console.log('measure                              time      ratio to a REST read of the deployment');
  console.log(`REST read (baseline)                 ${ms(base).padEnd(9)} 1.0`);
  console.log(`cancel → deployment_error CANCELLED  ${ms(median(toError)).padEnd(9)} ${(median(toError) / base).toFixed(1)}`);
  console.log(`cancel → no process of the build     ${ms(median(toGone)).padEnd(9)} ${(median(toGone) / base).toFixed(1)}`);
} finally {
  await server.stop();
  // Apps on the local target outlive ServerGem on purpose; the bench stops the one it started.
  await new LocalDeployDriver(deployerConfigSchema.parse({ SERVERGEM_HOME: home })).stopAll();
  // As root, the database and releases live in a folder of their own outside the home.
  if (server.sharedDir !== home) rmSync(server.sharedDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
process.exit(0);
