import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusText } from '#testing';
import { eventsStored } from './metrics.js';
import { startMetricsListener, type MetricsListener } from './metrics-listener.js';

const TOKEN = 'metrics-token-0123456789abcdef0123456789';

describe(startMetricsListener.name, () => {
  let sut: MetricsListener | undefined;
  afterEach(async () => {
    await sut?.close();
    sut = undefined;
  });

  it('serves the process registry at /metrics in Prometheus text format', async () => {
    sut = await startMetricsListener({ port: 0, host: '127.0.0.1' });
    eventsStored.inc(3);
    const response = await fetch(sut.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const scrape = parsePrometheusText(await response.text());
    expect(scrape.value('servergem_events_stored_total')).toBeGreaterThanOrEqual(3);
    expect(scrape.types.get('servergem_bus_request_duration_seconds')).toBe('histogram');
    // The process metrics every Node exporter has.
    expect(scrape.value('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(scrape.value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('answers nothing but GET /metrics', async () => {
    sut = await startMetricsListener({ port: 0, host: '127.0.0.1' });
    const base = sut.url.replace('/metrics', '');
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics/x`)).status).toBe(404);
    expect((await fetch(sut.url, { method: 'POST' })).status).toBe(404);
  });

  it('wants METRICS_TOKEN as a bearer token when one is set', async () => {
    sut = await startMetricsListener({ port: 0, host: '127.0.0.1', token: TOKEN });
    const refused = await fetch(sut.url);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('METRICS_TOKEN');
    expect((await fetch(sut.url, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await fetch(sut.url, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('refuses to listen beyond loopback without a token', async () => {
    await expect(startMetricsListener({ port: 0, host: '0.0.0.0' })).rejects.toThrow(/refuses to serve metrics on 0\.0\.0\.0 without METRICS_TOKEN/);
    sut = await startMetricsListener({ port: 0, host: '0.0.0.0', token: TOKEN });
    expect(sut.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/metrics$/);
  });
});
