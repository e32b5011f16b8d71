// Live logs: how long a build's line takes to reach the people watching it. An app whose build
// prints RATE time-stamped lines a second for SECONDS s is deployed on the all-in-one server with
// WATCHERS Socket.IO clients subscribed to it (in a process of their own); the same printer piped
// into a bare Socket.IO emitter, watched by as many clients, is the baseline measured in the same
// run. Then a quiet build's single lines, and the idle sockets a GB of the server's memory holds.
// Both are measured BENCH_RUNS times, alternating, and the medians printed with the machine's load
// (a shared machine swings from run to run), the packets each watcher got and the CPU time spent.
//
//   BENCH_RATE=2000 BENCH_SECONDS=10 BENCH_WATCHERS=200 BENCH_IDLE=1000 BENCH_RUNS=3 node --expose-gc bench/stream.bench.mjs
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

const root = resolve(import.meta.dirname, '..');
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 200);
const IDLE = Number(process.env.BENCH_IDLE ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const QUIET = 10;
const now = () => performance.timeOrigin + performance.now();

if (process.argv[2] === '--watchers') await watch(JSON.parse(process.argv[3]));
else await main();

// ---------------------------------------------------------------------------------------------
// The watchers: a process of their own, so decoding on their side does not slow the server down.

async function watch({ url, token, deploymentId, count, expected }) {
  const { io } = await import('socket.io-client');
  const flood = [];
  const quiet = [];
  const seen = Array.from({ length: count }, () => ({ next: 0, quietNext: 0, disorder: 0, updates: 0 }));
  const sockets = [];
  let ready = 0;
  const onLines = (state, lines) => {
    const t = now();
    for (const line of lines) {
      const m = /^(stream|quiet) (\d+) ([\d.]+)$/.exec(line);
      if (!m) continue;
      const i = Number(m[2]);
      if (m[1] === 'stream') {
        if (i !== state.next) state.disorder++;
        state.next = i + 1;
        flood.push(t - Number(m[3]));
      } else {
        if (i !== state.quietNext) state.disorder++;
        state.quietNext = i + 1;
        quiet.push(t - Number(m[3]));
      }
    }
  };
  for (let k = 0; k < count; k++) {
    const state = seen[k];
    const socket = io(url, { transports: ['websocket'], auth: token ? { token } : {}, reconnection: false, forceNew: true });
    sockets.push(socket);
    let first = true;
    const arrived = () => {
      if (first) {
        first = false;
        if (++ready === count) process.send({ kind: 'ready' });
      }
    };
    if (deploymentId) {
      socket.on('connect', () => socket.emit('subscribe', { deploymentId, afterSeq: 0 }));
      socket.on('deployment_update', (update) => {
        state.updates++;
        onLines(state, update.data.logs);
        arrived();
      });
    } else {
      socket.on('connect', arrived);
      socket.on('lines', (lines) => {
        state.updates++;
        onLines(state, lines);
      });
    }
    socket.on('connect_error', (error) => process.send({ kind: 'error', message: String(error) }));
    // Connecting a few at a time keeps the handshakes from timing out on a busy machine.
    if (k % 20 === 19) await new Promise((r) => setTimeout(r, 20));
  }
  process.on('message', (message) => {
    if (message !== 'report') return;
    const complete = seen.filter((s) => s.next === expected && s.quietNext === QUIET && s.disorder === 0).length;
    process.send({
      kind: 'report',
      flood: stats(flood),
      quiet: stats(quiet),
      complete,
      count,
      disorder: seen.reduce((a, s) => a + s.disorder, 0),
      packets: seen.reduce((a, s) => a + s.updates, 0) / count,
      cpuMs: cpuMs(process.cpuUsage()),
    });
    for (const socket of sockets) socket.close();
    setTimeout(() => process.exit(0), 100);
  });
}

function cpuMs(usage) {
  return (usage.user + usage.system) / 1000;
}

function stats(xs) {
  const sorted = Float64Array.from(xs).sort();
  const at = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN);
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

function startWatchers(options) {
  const child = fork(import.meta.filename, ['--watchers', JSON.stringify({ ...options, expected: RATE * SECONDS })], { stdio: 'inherit' });
  const next = (kind) =>
    new Promise((done, fail) => {
      const listen = (message) => {
        if (message.kind === 'error') fail(new Error(`A watcher could not connect: ${message.message}`));
        else if (message.kind === kind) {
          child.off('message', listen);
          done(message);
        }
      };
      child.on('message', listen);
    });
  return { ready: next('ready'), report: () => (child.send('report'), next('report')) };
}

// ---------------------------------------------------------------------------------------------

/** An app whose build waits for `go`, prints the flood, pauses, then prints a line now and then. */
function makeApp(dir, go) {
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'stream-bench', version: '1.0.0', private: true, scripts: { build: 'node emit.js', start: 'node server.js' } }, null, 2),
  );
  writeFileSync(join(dir, 'server.js'), "require('node:http').createServer((q, s) => s.end('ok')).listen(process.env.PORT || 8080);\n");
  writeFileSync(
    join(dir, 'emit.js'),
    `const { existsSync } = require('node:fs');
const { performance } = require('node:perf_hooks');
const now = () => (performance.timeOrigin + performance.now()).toFixed(3);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  for (let waited = 0; !existsSync(${JSON.stringify(go)}); waited += 10) {
    if (waited > 120000) process.exit(1);
    await sleep(10);
  }
  const total = ${RATE * SECONDS};
  const start = performance.now();
  let i = 0;
  while (i < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * ${RATE}));
    let out = '';
    for (; i < due; i++) out += 'stream ' + i + ' ' + now() + '\\n';
    if (out) process.stdout.write(out);
    await sleep(2);
  }
  await sleep(1000);
  for (let q = 0; q < ${QUIET}; q++) {
    process.stdout.write('quiet ' + q + ' ' + now() + '\\n');
    await sleep(300);
  }
})();
`,
  );
}

async function serverGem(app, go, { idle }) {
  const { startAllInOne } = await import(join(root, 'dist/apps/cli/src/all-in-one.js'));
  const { connect } = await import(join(root, 'dist/libs/testing/src/index.js'));
  const { LocalDeployDriver } = await import(join(root, 'dist/apps/deployer/src/drivers/local-deploy.driver.js'));
  const { deployerConfigSchema } = await import(join(root, 'dist/apps/deployer/src/deployer.config.js'));
  const home = mkdtempSync(join(tmpdir(), 'bench-stream-'));
  const server = await startAllInOne(
    { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', SOCKETS_PER_ADDRESS: String(WATCHERS + IDLE + 10) },
    () => undefined,
  );
  try {
    const driver = connect(server);
    const ended = new Promise((done) => {
      driver.on('deployment_complete', () => done('complete'));
      driver.on('deployment_error', (e) => done(`error: ${e.data.message}`));
      driver.on('request_error', (e) => done(`refused: ${e.data.message}`));
    });
    const deploymentId = await new Promise((done) => {
      driver.on('message', (reply) => {
        if (typeof reply.data.metadata.deploymentId === 'string') done(reply.data.metadata.deploymentId);
      });
      driver.emit('message', { type: 'message', message: `deploy ${app}`, context: { action: 'deploy', repoUrl: app }, clientMessageId: 'bench' });
    });
    const watchers = startWatchers({ url: server.url, token: server.token, deploymentId, count: WATCHERS });
    await watchers.ready;
    writeFileSync(go, '');
    const cpu = process.cpuUsage();
    const outcome = await ended;
    const serverCpuMs = cpuMs(process.cpuUsage(cpu));
    if (outcome !== 'complete') throw new Error(`The bench deployment did not go live: ${outcome}`);
    // The last lines may still be on their way to some watchers.
    await new Promise((r) => setTimeout(r, 500));
    const report = await watchers.report();
    driver.close();
    return { ...report, serverCpuMs, idle: idle ? await idleSockets(server) : undefined };
  } finally {
    await server.stop();
    await new LocalDeployDriver(deployerConfigSchema.parse({ SERVERGEM_HOME: home })).stopAll();
    if (server.sharedDir !== home) rmSync(server.sharedDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
}

/** Idle sockets per GB of the server's resident memory (the server runs in this process). */
async function idleSockets(server) {
  const { connect } = await import(join(root, 'dist/libs/testing/src/index.js'));
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      globalThis.gc?.();
      await new Promise((r) => setTimeout(r, 200));
    }
    return process.memoryUsage().rss;
  };
  const before = await settle();
  const sockets = [];
  for (let k = 0; k < IDLE; k += 50) {
    const batch = Array.from({ length: Math.min(50, IDLE - k) }, () => connect(server));
    await Promise.all(batch.map((s) => new Promise((done, fail) => (s.on('connect', done), s.on('connect_error', fail)))));
    sockets.push(...batch);
  }
  const after = await settle();
  for (const socket of sockets) socket.close();
  const perSocket = Math.max(1, after - before) / IDLE;
  return { perSocketKb: perSocket / 1024, perGb: Math.round(2 ** 30 / perSocket) };
}

/** The printer's stdout, line by line, emitted to every client by a bare Socket.IO server. */
async function bare(app, go) {
  const { Server } = await import('socket.io');
  const http = createServer();
  const io = new Server(http);
  await new Promise((done) => http.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${http.address().port}`;
  try {
    const watchers = startWatchers({ url, count: WATCHERS });
    await watchers.ready;
    writeFileSync(go, '');
    const cpu = process.cpuUsage();
    const child = spawn(process.execPath, ['emit.js'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] });
    // One emit per chunk read, as a server piping a log to its sockets would.
    let chunk = [];
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (chunk.length === 0) setImmediate(() => io.emit('lines', chunk.splice(0)));
      chunk.push(line);
    });
    await new Promise((done) => child.on('exit', done));
    const serverCpuMs = cpuMs(process.cpuUsage(cpu));
    rmSync(go);
    await new Promise((r) => setTimeout(r, 500));
    return { ...(await watchers.report()), serverCpuMs };
  } finally {
    io.close();
    http.close();
  }
}

function median(xs) {
  const sorted = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
}

async function main() {
  const app = mkdtempSync(join(tmpdir(), 'bench-stream-app-'));
  const go = join(app, '..', `${app.split('/').at(-1)}.go`);
  makeApp(app, go);
  const f = (x) => `${x.toFixed(1)} ms`.padStart(9);
  console.log(
    `ServerGem streaming bench: ${RATE} lines/s for ${SECONDS} s, ${WATCHERS} watchers, then ${QUIET} quiet lines; ${RUNS} runs, ${availableParallelism()} cores\n`,
  );
  const head = '                          p50        p99        max   complete   quiet p50   packets  server CPU  watchers CPU';
  const row = (name, r) =>
    `${name.padEnd(24)}${f(r.flood.p50)}  ${f(r.flood.p99)}  ${f(r.flood.max)}   ${`${r.complete}/${r.count}`.padStart(8)}  ${f(r.quiet.p50)}` +
    `  ${r.packets.toFixed(0).padStart(8)}  ${(r.serverCpuMs / 1000).toFixed(1).padStart(8)} s  ${(r.cpuMs / 1000).toFixed(1).padStart(10)} s`;
  const runs = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      const load = loadavg()[0];
      const baseline = await bare(app, go);
      const ours = await serverGem(app, go, { idle: run === RUNS });
      runs.push({ load: [load, loadavg()[0]], baseline, ours });
      console.log(`run ${run} (1-minute load average ${load.toFixed(1)} → ${loadavg()[0].toFixed(1)})`);
      console.log(head);
      console.log(row('bare Socket.IO emitter', baseline));
      console.log(row('ServerGem', ours));
      console.log(`lines out of order or missing: ${ours.disorder}\n`);
    }
    const med = (pick) => median(runs.map(pick));
    console.log(`medians of ${RUNS} runs (load average ${med((r) => r.load[0]).toFixed(1)}–${med((r) => r.load[1]).toFixed(1)}):`);
    console.log('                          p50        p99      quiet p50');
    for (const [name, key] of [
      ['bare Socket.IO emitter', 'baseline'],
      ['ServerGem', 'ours'],
    ]) {
      console.log(`${name.padEnd(24)}${f(med((r) => r[key].flood.p50))}  ${f(med((r) => r[key].flood.p99))}  ${f(med((r) => r[key].quiet.p50))}`);
    }
    console.log(
      `\nratio ServerGem / bare (median of the runs' ratios): p50 ${med((r) => r.ours.flood.p50 / r.baseline.flood.p50).toFixed(2)}x, ` +
        `p99 ${med((r) => r.ours.flood.p99 / r.baseline.flood.p99).toFixed(2)}x; every line to every watcher in order in ` +
        `${runs.filter((r) => r.ours.complete === r.ours.count && r.ours.disorder === 0).length}/${RUNS} runs`,
    );
    const idle = runs.at(-1).ours.idle;
    console.log(`idle Socket.IO connections: ${idle.perSocketKb.toFixed(1)} KB each, ${idle.perGb} per GB of RSS (${IDLE} measured)`);
  } finally {
    rmSync(app, { recursive: true, force: true });
    rmSync(go, { force: true });
  }
  process.exit(0);
}
