import { z } from 'zod';
import { transportConfigFields } from '#messaging';

export const gatewayConfigSchema = z.object({
  ...transportConfigFields,
  SERVERGEM_HOME: z.string().optional(),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  /** Comma-separated access tokens; each one is its own owner of deployments. Required off loopback. */
  AUTH_TOKEN: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  /** Extra origins allowed to open a socket, besides the gateway's own. */
  ALLOWED_ORIGINS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    ),
  /** Messages one socket may send per second, on average. */
  SOCKET_RATE_LIMIT: z.coerce.number().positive().default(10),
});
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

/** Binding beyond loopback with no token would hand the machine to anyone who can reach it. */
export function assertSafeBinding(config: GatewayConfig): void {
  if (!isLoopback(config.HOST) && config.AUTH_TOKEN.length === 0) {
    throw new Error(
      `ServerGem refuses to listen on ${config.HOST} without an access token: anyone who can reach it could deploy code on this machine.\n` +
        'Set AUTH_TOKEN to a long random value (clients send it), or keep HOST=127.0.0.1.',
    );
  }
}
