import { z } from 'zod';

export const deployerConfigSchema = z.object({
  NATS_URL: z.string().optional(),
  SERVERGEM_HOME: z.string().optional(),
  /** How long a new app has to answer HTTP before the deployment fails. */
  APP_START_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(60),
  /** The address local apps listen on and are reached at. */
  APP_HOST: z.string().default('127.0.0.1'),
});
export type DeployerConfig = z.output<typeof deployerConfigSchema>;
export const DEPLOYER_CONFIG = Symbol('DEPLOYER_CONFIG');
