// The first build of an app whose toolchain must be provisioned (downloaded from the npm registry
// into the toolchain cache) against the second build of the same app from the cache, in the same
// run. Each deploy is a new service (a folder of its own), so its package manager's store is as
// cold the second time as the first: what differs is the toolchain alone. The host's PATH holds
// Node and npm and no other package manager, as on a machine that has none.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = resolve(import.meta.dirname, '..');
const { startAllInOne } = await import(join(root, 'dist/apps/cli/src/all-in-one.js'));
const { apiFetch, apiJson, deployOverSocket, pathWithout, PROVISIONED_PROGRAMS } = await import(join(root, 'dist/libs/testing/src/index.js'));
const { LocalDeployDriver } = await import(join(root, 'dist/apps/deployer/src/drivers/local-deploy.driver.js'));
const { deployerConfigSchema } = await import(join(root, 'dist/apps/deployer/src/deployer.config.js'));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** A fixture per tool, and the folder of the toolchain cache its first build fills. */
const APPS = [
  ['pnpm-app', 'pnpm'],
  ['yarn-berry-app', 'yarn'],
  ['bun-lock-app', 'bun'],
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${Math.round(x)} ms`;

const home = mkdtempSync(join(tmpdir(), 'bench-servergem-'));
const work = mkdtempSync(join(tmpdir(), 'bench-toolchain-src-'));
const path = pathWithout(PROVISIONED_PROGRAMS);
const caCerts = process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {};
const server = await startAllInOne({ PATH: path, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', ...caCerts }, () => undefined);

/** One deploy of a fresh copy of the fixture: to a URL that answers, and its provisioning step. */
async function deploy(fixture, run, phase) {
  const app = join(work, `${fixture}-${phase}-${run}`);
  cpSync(join(root, 'test/fixtures/toolchains', fixture), app, { recursive: true });
  const t = performance.now();
  const transcript = await deployOverSocket(server, { repoUrl: app }, { timeoutMs: 600_000 });
  const total = performance.now() - t;
  if (!transcript.complete) throw new Error(`${fixture} failed: ${JSON.stringify(transcript.error)}`);
  const { events } = await apiJson(server, `/api/deployments/${transcript.deploymentId}`);
  const at = (i) => Date.parse(events[i].createdAt);
  const start = events.findIndex((e) => e.message.startsWith('Provisioning '));
  if (start < 0) throw new Error(`${fixture} had no provisioning step`);
  const provisioning = at(events.findIndex((e, j) => j > start && e.message !== '')) - at(start);
  const downloaded = events.some((e) => e.logs.some((l) => l.includes('is in the toolchain cache now')));
  // The app is not needed any more: one running at a time.
  await apiFetch(server, `/api/services/${transcript.complete.service_name}`, { method: 'DELETE' });
  return { total, provisioning, downloaded };
}

console.log(`ServerGem toolchain bench: ${RUNS} runs per app, medians; first build provisions, second uses the cache\n`);
console.log('app              first build (provisioning)   second build (provisioning)   second/first');
try {
  for (const [fixture, tool] of APPS) {
    const first = [];
    const second = [];
    for (let i = 0; i < RUNS; i++) {
      // Each first build starts with no toolchain in the cache.
      rmSync(join(server.sharedDir, 'toolchains', tool), { recursive: true, force: true });
      const cold = await deploy(fixture, i, 'first');
      const warm = await deploy(fixture, i, 'second');
      if (!cold.downloaded || warm.downloaded) throw new Error(`${fixture}: the first build must download and the second must not`);
      first.push(cold);
      second.push(warm);
    }
    const f = median(first.map((r) => r.total));
    const fp = median(first.map((r) => r.provisioning));
    const s = median(second.map((r) => r.total));
    const sp = median(second.map((r) => r.provisioning));
    console.log(
      `${fixture.padEnd(15)} ${ms(f).padStart(9)} (${ms(fp).padStart(8)})        ${ms(s).padStart(9)} (${ms(sp).padStart(8)})          ${(s / f).toFixed(2)}x`,
    );
  }
} finally {
  await server.stop();
  // Apps on the local target outlive ServerGem on purpose; the bench stops the ones it started.
  await new LocalDeployDriver(deployerConfigSchema.parse({ SERVERGEM_HOME: home })).stopAll();
  // As root, the database and releases live in a folder of their own outside the home.
  if (server.sharedDir !== home) rmSync(server.sharedDir, { recursive: true, force: true });
  for (const dir of [home, work, path]) rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
