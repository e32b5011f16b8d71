import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { isLoopbackHost, MAKE_A_TOKEN, MIN_ACCESS_TOKEN_LENGTH, secretSetting } from '#common';
import { metricsRegistry } from './metrics.js';

/** The metrics settings of the services that run without the gateway's HTTP port. */
export const metricsConfigFields = {
  /** A port for `GET /metrics` of this service alone; off without it (the gateway serves its own on PORT). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Where that listener binds; anything but loopback requires METRICS_TOKEN. */
  METRICS_HOST: z.string().default('127.0.0.1'),
  /** Secret: the bearer token a scraper sends for `/metrics`, here and on the gateway. */
  METRICS_TOKEN: secretSetting(
    z
      .string()
      .min(MIN_ACCESS_TOKEN_LENGTH, { error: `METRICS_TOKEN must be at least ${MIN_ACCESS_TOKEN_LENGTH} characters long; make one with \`${MAKE_A_TOKEN}\`` })
      .optional(),
  ),
};

export interface MetricsListenerSettings {
  port: number;
  host: string;
  token?: string;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether `Authorization: Bearer <token>` carries this token (compared in constant time). */
export function bearerIs(headers: IncomingHttpHeaders, token: string): boolean {
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}

/** The Prometheus text of the process's registry, with its content type. */
export async function scrape(): Promise<{ contentType: string; body: string }> {
  return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() };
}

export interface MetricsListener {
  url: string;
  close(): Promise<void>;
}

/**
 * A small HTTP listener with `GET /metrics` and nothing else, for a service started on its own.
 * Like the gateway, it will not listen beyond loopback without a token.
 */
export async function startMetricsListener(settings: MetricsListenerSettings): Promise<MetricsListener> {
  if (!isLoopbackHost(settings.host) && !settings.token) {
    throw new Error(
      `ServerGem refuses to serve metrics on ${settings.host} without METRICS_TOKEN: anyone who can reach it could read them.\n` +
        `Set METRICS_TOKEN to a long random value (\`${MAKE_A_TOKEN}\`; the scraper sends it as a bearer token), or keep METRICS_HOST=127.0.0.1.`,
    );
  }
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Only GET /metrics is served here.\n');
      return;
    }
    if (settings.token && !bearerIs(req.headers, settings.token)) {
      res
        .writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' })
        .end('A valid metrics token is required: send METRICS_TOKEN as `Authorization: Bearer <token>`.\n');
      return;
    }
    scrape().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body),
      () => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('The metrics could not be collected; the service log says why.\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
