// Time from the deploy message to a URL that answers, per example, against a baseline run in the
// same script: the same install, build and start commands done by hand (copy, npm ci, build,
// start, poll until HTTP answers). The ratio is ServerGem's time over the bare commands' time.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = resolve(import.meta.dirname, '..');
const { startAllInOne } = await import(join(root, 'dist/apps/cli/src/all-in-one.js'));
const { apiJson, deployOverSocket } = await import(join(root, 'dist/libs/testing/src/index.js'));
const { LocalDeployDriver } = await import(join(root, 'dist/apps/deployer/src/drivers/local-deploy.driver.js'));
const { deployerConfigSchema } = await import(join(root, 'dist/apps/deployer/src/deployer.config.js'));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const EXAMPLES = ['node-hello', 'node-express', 'python-hello'];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${Math.round(x)} ms`;

function freePort() {
  return new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });
}

async function waitForHttp(url) {
  for (;;) {
    const ok = await fetch(url).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The bare commands, timed the same way. */
async function byHand(example, report) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-hand-'));
  const started = performance.now();
  cpSync(join(root, 'examples', example), dir, { recursive: true, filter: (s) => !s.includes('node_modules') });
  let install = 0;
  for (const command of [...report.commands.install, ...report.commands.build]) {
    const t = performance.now();
    const [program, ...args] = command.split(' ');
    spawnSync(program, args, { cwd: dir, stdio: 'ignore' });
    if (report.commands.install.includes(command)) install += performance.now() - t;
  }
  const port = await freePort();
  const [program, ...args] = report.commands.start.split(' ');
  const child = spawn(program, args, { cwd: dir, env: { ...process.env, PORT: String(port) }, stdio: 'ignore', detached: true });
  await waitForHttp(`http://127.0.0.1:${port}`);
  const total = performance.now() - started;
  process.kill(-child.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  return { total, install };
}

const home = mkdtempSync(join(tmpdir(), 'bench-servergem-'));
const server = await startAllInOne({ PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0' }, () => undefined);
console.log(`ServerGem deploy bench: ${RUNS} runs per example, medians\n`);
console.log('example        to URL    of which install   by hand   (install)   ratio');
try {
  for (const example of EXAMPLES) {
    const ours = [];
    const hand = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const transcript = await deployOverSocket(server, { repoUrl: join(root, 'examples', example) });
      const total = performance.now() - t;
      if (!transcript.complete) throw new Error(`${example} failed: ${JSON.stringify(transcript.error)}`);
      const { events } = await apiJson(server, `/api/deployments/${transcript.deploymentId}`);
      const at = (i) => Date.parse(events[i].createdAt);
      const start = events.findIndex((e) => /^Running (npm|yarn|pnpm|bun) (ci|install)/.test(e.message));
      const install = start < 0 ? 0 : at(events.findIndex((e, j) => j > start && e.message !== '')) - at(start);
      ours.push({ total, install });
    }
    const analyze = spawnSync(process.execPath, [join(root, 'bin/servergem.js'), 'analyze', join(root, 'examples', example), '--json']);
    const report = JSON.parse(analyze.stdout.toString());
    for (let i = 0; i < RUNS; i++) hand.push(await byHand(example, report));
    const o = median(ours.map((r) => r.total));
    const oi = median(ours.map((r) => r.install));
    const h = median(hand.map((r) => r.total));
    const hi = median(hand.map((r) => r.install));
    console.log(`${example.padEnd(13)} ${ms(o).padStart(8)}  ${ms(oi).padStart(16)}  ${ms(h).padStart(8)}  ${ms(hi).padStart(10)}  ${(o / h).toFixed(2)}x`);
  }
} finally {
  await server.stop();
  // Apps on the local target outlive ServerGem on purpose; the bench stops the ones it started.
  await new LocalDeployDriver(deployerConfigSchema.parse({ SERVERGEM_HOME: home })).stopAll();
  // As root, the database and releases live in a folder of their own outside the home.
  if (server.sharedDir !== home) rmSync(server.sharedDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
process.exit(0);
