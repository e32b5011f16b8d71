import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { apiJson, getText, isGapFree, watchDeployment, type DeploymentWatch, type DeployTranscript, type ServerUnderTest, type tempApps } from '#testing';

/** What the fault suites check, shared by them: the fixture app, its builds' records, and the checks every fault gets. */

export interface StoredEvent {
  seq: number;
  stage: string;
  message: string;
  logs?: string[];
}

/** What one build of the fixture recorded when it ran to completion: where, and the processes above it. */
export interface Completion {
  cwd: string;
  ancestors: number[];
}

/** A watcher that subscribed after `afterSeq`. */
export type Follower = DeploymentWatch & { afterSeq: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A file every build of the fixture appends to when it runs to completion (the builds run as the app user). */
export function completionsFile(): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'servergem-fault-builds-'));
  chmodSync(dir, 0o1777);
  return { path: join(dir, 'completions.jsonl'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * An app whose build prints a line every half second for `buildSeconds` (every build after its
 * first, a retry, for `retryBuildSeconds` if given), then records in `completions` that it ran to
 * completion; its server starts listening `listenAfterMs` after it started (every start after its
 * first, `retryListenAfterMs` if given).
 */
export function faultApp(
  apps: ReturnType<typeof tempApps>,
  completions: string,
  options: { buildSeconds: number; retryBuildSeconds?: number; listenAfterMs?: number; retryListenAfterMs?: number },
): string {
  const name = `faults-${randomBytes(3).toString('hex')}`;
  // Created by the app's first build (and its server's first start): one that finds it there is a later one.
  const started = join(dirname(completions), `${name}.started`);
  const serverStarted = join(dirname(completions), `${name}.server-started`);
  return apps.app({
    'package.json': JSON.stringify({
      name,
      version: '1.0.0',
      scripts: { build: 'node build.js', start: 'node server.js' },
    }),
    'build.js': `const { appendFileSync, openSync, readFileSync } = require('node:fs');
let first = true;
try { openSync(${JSON.stringify(started)}, 'wx'); } catch { first = false; }
const seconds = first ? ${options.buildSeconds} : ${options.retryBuildSeconds ?? options.buildSeconds};
// Like a build that writes to files of its own, it does not stop when its output is closed.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
const ancestors = [];
for (let pid = process.ppid; pid > 1 && ancestors.length < 12; ) {
  ancestors.push(pid);
  try { const stat = readFileSync('/proc/' + pid + '/stat', 'utf8'); pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]); } catch { break; }
}
let n = 0;
const timer = setInterval(() => {
  console.log('building, step ' + ++n);
  if (n < seconds * 2) return;
  clearInterval(timer);
  console.log('build finished');
  appendFileSync(${JSON.stringify(completions)}, JSON.stringify({ cwd: process.cwd(), ancestors }) + '\\n');
}, 500);`,
    'server.js': `let first = true;
try { require('node:fs').openSync(${JSON.stringify(serverStarted)}, 'wx'); } catch { first = false; }
const after = first ? ${options.listenAfterMs ?? 0} : ${options.retryListenAfterMs ?? options.listenAfterMs ?? 0};
setTimeout(() => require('node:http').createServer((q, r) => r.end('ok\\n')).listen(Number(process.env.PORT)), after);`,
  });
}

/** The builds of a deployment that ran to completion, as they recorded it (its release folders name it). */
export function completionsOf(completions: string, deploymentId: string): Completion[] {
  if (!existsSync(completions)) return [];
  return readFileSync(completions, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Completion)
    .filter((c) => c.cwd.includes(`/${deploymentId}/`));
}

export async function eventsOf(server: ServerUnderTest, deploymentId: string): Promise<StoredEvent[]> {
  return (await apiJson<{ events: StoredEvent[] }>(server, `/api/deployments/${deploymentId}`)).events;
}

/** A client subscribing mid-way: after half the events stored so far, leaving and coming back every 3 events. */
export async function follow(server: ServerUnderTest, deploymentId: string): Promise<Follower> {
  const afterSeq = Math.floor((await eventsOf(server, deploymentId)).length / 2);
  return Object.assign(watchDeployment(server, deploymentId, { afterSeq, reconnectEvery: 3 }), { afterSeq });
}

/**
 * The checks every fault gets once its deployment has ended: its event log is gap-free, the
 * client that subscribed mid-way saw every event after its `afterSeq` exactly once, and one build
 * ran to completion if it went live (none otherwise) — by what the builds recorded (a build whose
 * builder is gone reports nothing) and by the build log the deployment stored.
 */
export async function expectWhole(server: ServerUnderTest, deploymentId: string, watch: Follower, completions: string, live: boolean): Promise<StoredEvent[]> {
  const events = await eventsOf(server, deploymentId);
  expect(isGapFree(events.map((e) => e.seq))).toBe(true);
  // A bound, not a measure: a watcher that got everything has ended already; one on a loaded
  // machine may still be replaying after its last reconnect.
  await Promise.race([watch.ended, sleep(30_000)]);
  watch.close();
  expect(watch.refused).toBeUndefined();
  expect(watch.seqs).toEqual(events.map((e) => e.seq).filter((seq) => seq > watch.afterSeq));
  if (live) expect(watch.reconnects, `a watcher after event ${watch.afterSeq} of ${events.length}`).toBeGreaterThan(0);
  const finished = events.flatMap((e) => e.logs ?? []).filter((l) => l === 'build finished').length;
  expect(finished).toBe(live ? 1 : 0);
  expect(completionsOf(completions, deploymentId)).toHaveLength(live ? 1 : 0);
  return events;
}

/** Live, answering at its URL, and whole. */
export async function expectLive(
  server: ServerUnderTest,
  transcript: DeployTranscript,
  deploymentId: string,
  watch: Follower,
  completions: string,
): Promise<StoredEvent[]> {
  expect(transcript.error).toBeUndefined();
  expect(transcript.complete?.url).toBeTruthy();
  expect((await getText(transcript.complete!.url)).status).toBe(200);
  return expectWhole(server, deploymentId, watch, completions, true);
}
