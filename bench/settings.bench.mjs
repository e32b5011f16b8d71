// A settings change to live on the local target (a new revision of the same build: no fetch, no
// install, no build) against a full redeploy of the same app at the same commit, in the same run.
// Both are timed from the REST request to the deployment's `live` event. The goal: a settings
// change takes at most a tenth of a redeploy.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = resolve(import.meta.dirname, '..');
const { startAllInOne } = await import(join(root, 'dist/apps/cli/src/all-in-one.js'));
const { apiJson, connect, deployOverSocket } = await import(join(root, 'dist/libs/testing/src/index.js'));
const { LocalDeployDriver } = await import(join(root, 'dist/apps/deployer/src/drivers/local-deploy.driver.js'));
const { deployerConfigSchema } = await import(join(root, 'dist/apps/deployer/src/deployer.config.js'));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const EXAMPLES = ['node-hello', 'node-express'];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${Math.round(x)} ms`;

/** Sends a request that starts a deployment and waits for that deployment's end over the socket. */
async function timed(server, start) {
  const socket = connect(server);
  await new Promise((done) => socket.once('connect', done));
  const t = performance.now();
  const { deploymentId } = await start();
  const outcome = await new Promise((done) => {
    socket.on('deployment_complete', (c) => c.data.deploymentId === deploymentId && done({ url: c.data.url }));
    socket.on('deployment_error', (e) => e.data.deploymentId === deploymentId && done({ error: e.data }));
    socket.emit('subscribe', { deploymentId, afterSeq: 0 });
  });
  const elapsed = performance.now() - t;
  socket.close();
  if (outcome.error) throw new Error(`deployment ${deploymentId} failed: ${JSON.stringify(outcome.error)}`);
  return elapsed;
}

const home = mkdtempSync(join(tmpdir(), 'bench-settings-'));
const server = await startAllInOne({ PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0' }, () => undefined);
console.log(`ServerGem settings-change bench (local target): ${RUNS} runs each, medians\n`);
console.log('example        settings change   full redeploy   ratio');
try {
  for (const example of EXAMPLES) {
    const first = await deployOverSocket(server, { repoUrl: join(root, 'examples', example) });
    if (!first.complete) throw new Error(`${example} failed: ${JSON.stringify(first.error)}`);
    const name = first.complete.service_name;
    const change = [];
    const redeploy = [];
    for (let i = 0; i < RUNS; i++) {
      change.push(await timed(server, () => apiJson(server, `/api/services/${name}/env`, { method: 'PUT', body: { env: { BENCH_RUN: String(i) } } })));
      redeploy.push(await timed(server, () => apiJson(server, `/api/services/${name}/redeploy`, { method: 'POST', body: {} })));
    }
    const c = median(change);
    const r = median(redeploy);
    console.log(`${example.padEnd(13)} ${ms(c).padStart(16)}  ${ms(r).padStart(14)}   ${(c / r).toFixed(3)} (goal ≤ 0.100)`);
  }
} finally {
  await server.stop();
  // Apps on the local target outlive ServerGem on purpose; the bench stops the ones it started.
  await new LocalDeployDriver(deployerConfigSchema.parse({ SERVERGEM_HOME: home })).stopAll();
  if (server.sharedDir !== home) rmSync(server.sharedDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
process.exit(0);
