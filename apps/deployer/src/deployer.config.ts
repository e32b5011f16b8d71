import { z } from 'zod';
import { logConfigFields, metricsConfigFields, transportConfigFields } from '#messaging';
import { localTargetFields, secretKeyFields } from '#common';
import { cloudRunConfigFields } from './drivers/cloud-run.config.js';

export const deployerConfigSchema = z.object({
  ...transportConfigFields,
  ...logConfigFields,
  ...metricsConfigFields,
  SERVERGEM_HOME: z.string().optional(),
  ...secretKeyFields,
  ...localTargetFields,
  /** How long a new app has to answer HTTP before the deployment fails. */
  APP_START_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(60),
  /** The address local apps listen on and are reached at. */
  APP_HOST: z.string().default('127.0.0.1'),
  /** The address the services' stable URLs (their proxies) listen on; APP_HOST without it. In a container, 0.0.0.0. */
  APP_PROXY_HOST: z.string().optional(),
  /** The host the URLs ServerGem reports name: the proxy's address without it; in a container, the host's address for its published ports. */
  APP_URL_HOST: z.string().optional(),
  /** `9000-9099`: the ports the services' stable URLs are given (any free port without it), so a container can publish them. */
  APP_PORT_RANGE: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (!value) return undefined;
      const match = /^(\d{1,5})-(\d{1,5})$/.exec(value.trim());
      const [first, last] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
      if (!match || first < 1 || last > 65535 || first > last) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a port range (write it as first-last, e.g. 9000-9099)` });
        return z.NEVER;
      }
      return { first, last };
    }),
  /** With it, the `cloudrun` target deploys to Cloud Run in this project (default credentials). */
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  GOOGLE_CLOUD_REGION: z.string().default('us-central1'),
  /** For a private endpoint or an emulator: `host:port` (TLS), or `http://host:port` (plaintext, no credentials). */
  CLOUDRUN_API_ENDPOINT: z.string().optional(),
  ...cloudRunConfigFields,
});
export type DeployerConfig = z.output<typeof deployerConfigSchema>;
export const DEPLOYER_CONFIG = Symbol('DEPLOYER_CONFIG');
