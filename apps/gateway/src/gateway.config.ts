import { z } from 'zod';
import { isLoopbackHost, MAKE_A_TOKEN, MIN_ACCESS_TOKEN_LENGTH } from '#common';
import { logConfigFields, metricsConfigFields, transportConfigFields } from '#messaging';
import { secretKeyFields } from '#common';

const commaList = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  );

/** `servergem.example.com`, `10.0.0.5` or `[2001:db8::1]` (a port, if given, is ignored). */
const hostName = z.string().transform((value, ctx) => {
  const parsed = URL.canParse(`http://${value}`) ? new URL(`http://${value}`) : null;
  if (!parsed || parsed.host.toLowerCase() !== value.toLowerCase() || value.includes('@')) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a host name (write it without a scheme or path, e.g. servergem.example.com)` });
    return z.NEVER;
  }
  return parsed.hostname;
});

/** `https://servergem.example.com` or `http://127.0.0.1:5173`: a scheme, a host and an optional port. */
const origin = z.string().transform((value, ctx) => {
  const parsed = URL.canParse(value) ? new URL(value) : null;
  const bare = (url: URL) => url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
  if (!parsed || !bare(parsed) || !['http:', 'https:'].includes(parsed.protocol)) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin (write it as scheme://host[:port], e.g. https://servergem.example.com)` });
    return z.NEVER;
  }
  return parsed.origin;
});

export const gatewayConfigSchema = z.object({
  ...transportConfigFields,
  ...logConfigFields,
  /** Secret: a token a scraper may send for `/metrics` instead of an access token. */
  METRICS_TOKEN: metricsConfigFields.METRICS_TOKEN,
  /** A folder holding a built web UI (its index.html); without it, `apps/web/dist` of this checkout. */
  WEB_DIR: z
    .string()
    .optional()
    .transform((v) => v || undefined),
  SERVERGEM_HOME: z.string().optional(),
  ...secretKeyFields,
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  /**
   * Comma-separated access tokens; each one is its own owner of deployments. Without it the
   * install's own token (made on first start under SERVERGEM_HOME) is the one. Required off loopback.
   */
  AUTH_TOKEN: commaList.pipe(
    z.array(
      z.string().min(MIN_ACCESS_TOKEN_LENGTH, {
        error: `every access token must be at least ${MIN_ACCESS_TOKEN_LENGTH} characters long; make one with \`${MAKE_A_TOKEN}\``,
      }),
    ),
  ),
  /**
   * Host names the gateway answers to besides loopback ones (`localhost`, 127.0.0.1, [::1]) and
   * the address a request arrived on: the public name people type, e.g. `servergem.example.com`.
   */
  ALLOWED_HOSTS: commaList.pipe(z.array(hostName)),
  /** Extra browser origins allowed to call the API and open a socket, besides the gateway's own. */
  ALLOWED_ORIGINS: commaList.pipe(z.array(origin)),
  /** Sockets one client address may hold open at once. */
  SOCKETS_PER_ADDRESS: z.coerce.number().int().min(1).default(32),
  /** Messages one socket may send per second, on average. */
  SOCKET_RATE_LIMIT: z.coerce.number().positive().default(10),
});
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

/** Whether HOST is a loopback address (never decided on its text: `127.0.0.1.nip.io` is not). */
export function isLoopback(host: string): boolean {
  return isLoopbackHost(host);
}

/** Binding beyond loopback with no token would hand the machine to anyone who can reach it. */
export function assertSafeBinding(config: GatewayConfig): void {
  if (!isLoopback(config.HOST) && config.AUTH_TOKEN.length === 0) {
    throw new Error(
      `ServerGem refuses to listen on ${config.HOST} without an access token: anyone who can reach it could deploy code on this machine.\n` +
        `Set AUTH_TOKEN to a long random value (\`${MAKE_A_TOKEN}\`; clients send it), or keep HOST=127.0.0.1.`,
    );
  }
}
