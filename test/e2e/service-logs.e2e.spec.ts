import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, parsePrometheusText, uniqueSchema, TEST_DATABASE_URL } from '#testing';

const root = resolve(import.meta.dirname, '../..');
const SERVICES = ['orchestrator', 'analyzer', 'builder', 'deployer', 'gateway'] as const;

interface Started {
  child: ChildProcess;
  lines: string[];
  /** The line that says the service is up. */
  ready: string;
}

/** A built service started on its own, as in distributed mode (no NATS here: it waits on its in-process bus). */
function start(service: (typeof SERVICES)[number], env: NodeJS.ProcessEnv, readyWhen: RegExp): Promise<Started> {
  const child = spawn(process.execPath, [join(root, 'dist/apps', service, 'src/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${service} did not start: ${lines.join('\n')}`)), 60_000);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(line);
        if (readyWhen.test(line)) {
          clearTimeout(timer);
          resolvePromise({ child, lines, ready: line });
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${service} exited with ${code}: ${lines.join('\n')}`));
    });
  });
}

describe.skipIf(!existsSync(join(root, 'dist/apps/gateway/src/main.js')))('each service started on its own, with LOG_FORMAT=json and METRICS_PORT', () => {
  const schema = uniqueSchema();
  const home = mkdtempSync(join(tmpdir(), 'servergem-logs-'));
  const started: Started[] = [];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_FORMAT: 'json',
    SERVERGEM_HOME: home,
    SERVERGEM_NAMESPACE: `logs${schema}`,
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
  };

  afterAll(async () => {
    await Promise.all(
      started.map(({ child }) => new Promise<void>((done) => (child.exitCode !== null ? done() : (child.once('exit', () => done()), child.kill('SIGTERM'))))),
    );
    rmSync(home, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it.each(SERVICES.filter((s) => s !== 'gateway'))('%s writes JSON lines and serves its own /metrics', async (service) => {
    const sut = await start(service, { ...env, METRICS_PORT: '0' }, /Metrics at http:/);
    started.push(sut);
    const records = sut.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) expect(record).toMatchObject({ time: expect.any(String), level: expect.any(String), message: expect.anything() });
    const url = /Metrics at (http:\/\/\S+)/.exec((JSON.parse(sut.ready) as { message: string }).message)![1]!;
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const metrics = parsePrometheusText(await response.text());
    expect(metrics.value('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(metrics.types.get('servergem_bus_request_duration_seconds')).toBe('histogram');
    // The orchestrator reads the deployments table for each scrape (this schema is new: all zero).
    if (service === 'orchestrator') expect(metrics.value('servergem_deployments', { status: 'live' })).toBe(0);
  });

  it('the gateway writes JSON lines too', async () => {
    const sut = await start('gateway', { ...env, PORT: '0' }, /Listening on http:/);
    started.push(sut);
    const records = sut.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => r.context)).toContain('gateway');
    for (const record of records) expect(Object.keys(record).slice(0, 4)).toEqual(['time', 'level', 'context', 'message']);
  });
});
