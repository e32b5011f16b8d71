import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#common';
import { InProcessBus } from '#messaging';
import { parsePrometheusText } from '#testing';
import { startGateway } from '../gateway.bootstrap.js';
import { gatewayConfigSchema } from '../gateway.config.js';
import { MetricsController } from './metrics.controller.js';

const METRICS_TOKEN = 'scraper-token-0123456789abcdef0123456789';

describe(MetricsController.name, () => {
  const home = mkdtempSync(join(tmpdir(), 'servergem-metrics-'));
  let app: INestApplication;
  let url: string;
  let accessToken: string;

  const scrape = (token?: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/metrics`, { headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });

  beforeAll(async () => {
    const config = loadConfig(gatewayConfigSchema, { SERVERGEM_HOME: home, PORT: '0', METRICS_TOKEN });
    app = await startGateway(config, new InProcessBus(), { shutdownHooks: false, logger: ['error'] });
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    accessToken = readFileSync(join(home, 'access-token'), 'utf8').trim();
  });

  afterAll(async () => {
    await app?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('wants an access token or METRICS_TOKEN, and says so', async () => {
    const refused = await scrape();
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'UNAUTHORIZED', hint: expect.stringContaining('METRICS_TOKEN') });
    expect((await scrape('not-a-token-of-ours-0123456789abcdef')).status).toBe(401);
    expect((await scrape(accessToken)).status).toBe(200);
    const withMetricsToken = await scrape(METRICS_TOKEN);
    expect(withMetricsToken.status).toBe(200);
    expect(withMetricsToken.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(withMetricsToken.headers.get('cache-control')).toBe('no-store');
  });

  it('is not a key to anything else: METRICS_TOKEN opens no REST route', async () => {
    const response = await fetch(`${url}/api/deployments`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(401);
  });

  it('keeps the front door: a foreign Host is refused before the token is looked at', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/metrics`, { headers: { host: 'rebound.example', authorization: `Bearer ${METRICS_TOKEN}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('counts the sockets open now', async () => {
    const open = async () => parsePrometheusText(await (await scrape(METRICS_TOKEN)).text()).value('servergem_socket_connections') ?? 0;
    const before = await open();
    const socket = io(url, { transports: ['websocket'], auth: { token: accessToken }, reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    try {
      expect(await open()).toBe(before + 1);
    } finally {
      socket.disconnect();
    }
    for (let i = 0; i < 50 && (await open()) !== before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await open()).toBe(before);
  });
});
