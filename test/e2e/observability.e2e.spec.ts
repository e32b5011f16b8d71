import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFetch, deployOverSocket, dropSchema, parsePrometheusText, uniqueSchema, TEST_DATABASE_URL, type DeployTranscript, type Scrape } from '#testing';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';
import { removeInstallation } from './stop-local-apps.js';

const example = resolve(import.meta.dirname, '../../examples/node-hello');
const METRICS_TOKEN = 'prometheus-0123456789abcdef0123456789ab';

describe('the metrics of an all-in-one server that deployed an app', () => {
  const schema = uniqueSchema();
  const home = mkdtempSync(join(tmpdir(), 'servergem-metrics-e2e-'));
  let sut: AllInOne;
  let live: DeployTranscript;
  let failed: DeployTranscript;

  const scrape = async (): Promise<Scrape> => {
    const response = await fetch(`${sut.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    return parsePrometheusText(await response.text());
  };

  /** Stage durations are read back once a deployment has ended, just after its last event is stored. */
  const settled = async (): Promise<Scrape> => {
    for (let attempt = 0; ; attempt++) {
      const metrics = await scrape();
      if (metrics.sum('servergem_deployment_duration_seconds_count') >= 2 || attempt === 100) return metrics;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema };
    sut = await startAllInOne({ ...env, METRICS_TOKEN }, () => undefined);
    live = await deployOverSocket(sut, { repoUrl: example });
    expect(live.error).toBeUndefined();
    // A folder with nothing ServerGem can run: a deployment that fails at analysis.
    const empty = mkdtempSync(join(tmpdir(), 'servergem-nothing-'));
    writeFileSync(join(empty, 'notes.txt'), 'nothing to run here\n');
    failed = await deployOverSocket(sut, { repoUrl: empty });
    expect(failed.error).toBeDefined();
  });

  afterAll(async () => {
    await sut?.stop();
    await removeInstallation(home);
    await dropSchema(schema);
  });

  it('counts deployments by status, read from the database', async () => {
    const metrics = await settled();
    expect(metrics.value('servergem_deployments', { status: 'live' })).toBe(1);
    expect(metrics.value('servergem_deployments', { status: 'failed' })).toBe(1);
    expect(metrics.value('servergem_deployments', { status: 'running' })).toBe(0);
    expect(metrics.value('servergem_deployments_finished_total', { status: 'live' })).toBe(1);
    expect(metrics.value('servergem_deployments_finished_total', { status: 'failed' })).toBe(1);
  });

  it('times each stage the deployment went through, and the deployments as a whole', async () => {
    const metrics = await settled();
    const stages = new Set(metrics.samples.filter((s) => s.name === 'servergem_deployment_stage_duration_seconds_count').map((s) => s.labels.stage));
    for (const stage of ['queued', 'cloning', 'building', 'deploying', 'verifying']) expect(stages, stage).toContain(stage);
    expect(stages).not.toContain('live');
    expect(metrics.value('servergem_deployment_duration_seconds_count', { status: 'live' })).toBe(1);
    expect(metrics.value('servergem_deployment_duration_seconds_sum', { status: 'live' })).toBeGreaterThan(0);
    expect(metrics.types.get('servergem_deployment_stage_duration_seconds')).toBe('histogram');
  });

  it('times the workers’ steps by target and outcome', async () => {
    const metrics = await settled();
    expect(metrics.value('servergem_step_duration_seconds_count', { step: 'build', target: 'local', outcome: 'ok' })).toBe(1);
    expect(metrics.value('servergem_step_duration_seconds_count', { step: 'deploy', target: 'local', outcome: 'ok' })).toBe(1);
    expect(metrics.value('servergem_step_duration_seconds_count', { step: 'analyze', outcome: 'ok' })).toBe(1);
    expect(metrics.value('servergem_step_duration_seconds_count', { step: 'analyze', outcome: failed.error!.code })).toBe(1);
  });

  it('counts the events stored, the log lines, and what was fanned out to the socket', async () => {
    const metrics = await settled();
    const events = live.updates.length + failed.updates.length;
    expect(metrics.value('servergem_events_stored_total')).toBeGreaterThanOrEqual(events);
    expect(metrics.value('servergem_log_lines_stored_total')).toBeGreaterThan(0);
    // Each socket got every event of its deployment.
    expect(metrics.value('servergem_events_fanned_out_total')).toBeGreaterThanOrEqual(events);
  });

  it('times every request between the services, by subject', async () => {
    const metrics = await settled();
    for (const subject of ['analyzer.analyze.v1', 'builder.build.v1', 'deployer.deploy.v1', 'orchestrator.progress.v1']) {
      expect(metrics.value('servergem_bus_request_duration_seconds_count', { subject, outcome: 'ok' }), subject).toBeGreaterThanOrEqual(1);
    }
  });

  it('shows the process itself: CPU, memory, event loop', async () => {
    const metrics = await scrape();
    expect(metrics.value('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(metrics.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(metrics.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
  });

  it('takes the install’s access token as well, and nothing without one', async () => {
    expect((await apiFetch(sut, '/metrics')).status).toBe(200);
    expect((await fetch(`${sut.url}/metrics`)).status).toBe(401);
  });
});
