// The chat agent's speed, in one run: how long the deterministic planner takes to understand one
// message (median over the phrasing table the planner's tests use; the goal is under 1 ms), and the
// round trip of a status question over Socket.IO against the all-in-one server, next to the round
// trip of a request that skips the planner (a `subscribe` the server refuses) as the baseline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';

const root = resolve(import.meta.dirname, '..');
const { planMessage } = await import(join(root, 'dist/apps/orchestrator/src/chat/planner/plan-message.js'));
const { startAllInOne } = await import(join(root, 'dist/apps/cli/src/all-in-one.js'));
const { PHRASINGS, PHRASING_FOCUS, PHRASING_SERVICES, connect } = await import(join(root, 'dist/libs/testing/src/index.js'));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const TRIPS = Number(process.env.BENCH_TRIPS ?? 50);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
const ms = (x) => `${x.toFixed(3)} ms`;

// Planning: each message planned ROUNDS times; its time is the mean of those, the figure the median over messages.
const messages = PHRASINGS.map(([message]) => message);
for (const message of messages) planMessage({ message, focus: PHRASING_FOCUS, services: PHRASING_SERVICES }); // warm up
const perMessage = messages.map((message) => {
  const started = performance.now();
  for (let i = 0; i < ROUNDS; i++) planMessage({ message, focus: PHRASING_FOCUS, services: PHRASING_SERVICES });
  return (performance.now() - started) / ROUNDS;
});
console.log(`ServerGem chat bench\n`);
console.log(`deterministic planning, ${messages.length} phrasings × ${ROUNDS} rounds`);
console.log(`  median ${ms(median(perMessage))} per message, p95 ${ms(p95(perMessage))}, max ${ms(Math.max(...perMessage))}`);
console.log(`  goal under 1 ms: ${(median(perMessage) / 1).toFixed(3)}x of the budget\n`);

// Round trip over Socket.IO.
const home = mkdtempSync(join(tmpdir(), 'bench-chat-'));
const server = await startAllInOne(
  { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', SOCKET_RATE_LIMIT: '1000' },
  () => undefined,
);
try {
  const socket = connect(server);
  await new Promise((done) => socket.once('connect', done));
  const ask = (message) =>
    new Promise((done, fail) => {
      socket.once('message', (reply) => done(reply));
      socket.once('request_error', (e) => fail(new Error(e.data.message)));
      socket.emit('message', { type: 'message', message });
    });
  const refused = () =>
    new Promise((done) => {
      socket.once('request_error', done);
      socket.emit('subscribe', { deploymentId: randomUUID(), afterSeq: 0 });
    });
  await ask("what's running?");
  await refused();
  const chat = [];
  const baseline = [];
  for (let i = 0; i < TRIPS; i++) {
    let t = performance.now();
    const reply = await ask("what's running?");
    chat.push(performance.now() - t);
    if (reply.data.metadata.intent?.kind !== 'status') throw new Error(`status was understood as ${JSON.stringify(reply.data.metadata.intent)}`);
    t = performance.now();
    await refused();
    baseline.push(performance.now() - t);
  }
  socket.close();
  console.log(`Socket.IO round trip, ${TRIPS} trips each`);
  console.log(`  "what's running?" → reply   median ${ms(median(chat))}, p95 ${ms(p95(chat))}`);
  console.log(`  subscribe → refusal (baseline) median ${ms(median(baseline))}, p95 ${ms(p95(baseline))}`);
  console.log(`  ratio ${(median(chat) / median(baseline)).toFixed(2)}x`);
} finally {
  await server.stop();
  rmSync(home, { recursive: true, force: true });
}
process.exit(0);
