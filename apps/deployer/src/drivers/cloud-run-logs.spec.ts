import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LogEntry } from '#contracts';
import { FakeCloudLogging } from '#testing';
import { CloudRunLogs } from './cloud-run-logs.js';
import { googleClientOptions } from './google-client-options.js';

const PROJECT = 'demo-project';
const REGION = 'europe-west1';

describe(CloudRunLogs.name, () => {
  let fake: FakeCloudLogging;
  const suts: CloudRunLogs[] = [];

  beforeAll(async () => {
    fake = await FakeCloudLogging.start();
  });
  afterEach(async () => {
    await Promise.all(suts.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await fake.stop();
  });

  function newSut(): CloudRunLogs {
    const sut = new CloudRunLogs(PROJECT, REGION, googleClientOptions(`http://127.0.0.1:${fake.port}`, PROJECT));
    suts.push(sut);
    return sut;
  }

  it('reads the last lines of one service, oldest first: text, JSON message and request lines, with time and revision', async () => {
    const base = Date.now() - 60_000;
    fake.write(
      { service: 'shop', revision: 'shop-00001', at: new Date(base), text: 'listening on 8080' },
      { service: 'other', revision: 'other-00001', at: new Date(base + 1), text: 'not this service' },
      { service: 'shop', revision: 'shop-00001', at: new Date(base + 2), location: 'us-central1', text: 'same name, other region' },
      { service: 'shop', revision: 'shop-00002', at: new Date(base + 3), json: { message: 'order placed', orderId: 7 }, severity: 'WARNING' },
      {
        service: 'shop',
        revision: 'shop-00002',
        at: new Date(base + 4),
        httpRequest: { requestMethod: 'GET', requestUrl: 'https://shop.run.app/cart', status: 200, latencyMs: 12 },
      },
      { service: 'shop', revision: 'shop-00002', at: new Date(base + 5), json: { level: 'debug', detail: 'no message field' } },
    );

    const lines = await newSut().last('shop', 10);

    expect(lines.map((l) => [l.revision, l.severity, l.text])).toEqual([
      ['shop-00001', 'DEFAULT', 'listening on 8080'],
      ['shop-00002', 'WARNING', 'order placed'],
      ['shop-00002', 'INFO', 'GET 200 https://shop.run.app/cart 12ms'],
      ['shop-00002', 'DEFAULT', '{"level":"debug","detail":"no message field"}'],
    ]);
    expect(lines[0]!.at).toBe(new Date(base).toISOString());
    const request = fake.requests.find((r) => r.method === 'ListLogEntries')!.request;
    expect(request.resourceNames).toEqual([`projects/${PROJECT}`]);
    expect(request.orderBy).toBe('timestamp desc');
    expect(String(request.filter)).toMatch(
      /^resource\.type="cloud_run_revision" AND resource\.labels\.service_name="shop" AND resource\.labels\.location="europe-west1" AND timestamp>="[^"]+"$/,
    );
  });

  it('keeps only the newest lines when there are more than asked for, across pages', async () => {
    const base = Date.now() - 30_000;
    fake.write(...Array.from({ length: 1100 }, (_, i) => ({ service: 'busy', revision: 'busy-00001', at: new Date(base + i), text: `line ${i}` })));

    // More than one page (Cloud Logging gives at most 1000 entries a page).
    const lines = await newSut().last('busy', 1050);

    expect(lines.map((l) => l.text)).toEqual(Array.from({ length: 1050 }, (_, i) => `line ${i + 50}`));
    expect(fake.requests.filter((r) => r.method === 'ListLogEntries' && String(r.request.filter).includes('"busy"'))).toHaveLength(2);
  });

  it('leaves out lines older than a day', async () => {
    fake.write(
      { service: 'old', revision: 'old-00001', at: new Date(Date.now() - 2 * 24 * 3600_000), text: 'two days ago' },
      { service: 'old', revision: 'old-00001', text: 'just now' },
    );

    expect((await newSut().last('old', 10)).map((l) => l.text)).toEqual(['just now']);
  });

  it('follows new lines through a tail session until aborted, reopening one that Cloud Logging ended', async () => {
    const sut = newSut();
    const controller = new AbortController();
    const received: LogEntry[] = [];
    const following = (async () => {
      for await (const line of sut.follow('live', controller.signal)) received.push(line);
    })();

    await vi.waitFor(() => expect(fake.openTails).toBe(1), { timeout: 5000 });
    fake.write({ service: 'live', revision: 'live-00001', text: 'first' }, { service: 'elsewhere', revision: 'elsewhere-00001', text: 'no' });
    await vi.waitFor(() => expect(received.map((l) => l.text)).toEqual(['first']), { timeout: 5000 });

    fake.endTails();
    await vi.waitFor(() => expect(fake.openTails).toBe(1), { timeout: 5000 });
    fake.write({ service: 'live', revision: 'live-00002', text: 'second' });
    await vi.waitFor(() => expect(received.map((l) => l.text)).toEqual(['first', 'second']), { timeout: 5000 });

    controller.abort();
    await following;
    await vi.waitFor(() => expect(fake.openTails).toBe(0), { timeout: 5000 });
    const tail = fake.requests.find((r) => r.method === 'TailLogEntries')!.request;
    expect(tail.filter).toBe('resource.type="cloud_run_revision" AND resource.labels.service_name="live" AND resource.labels.location="europe-west1"');
    expect(tail.resourceNames).toEqual([`projects/${PROJECT}`]);
  });
});
