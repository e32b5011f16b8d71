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
  /** With it, the `cloudrun` target deploys to Cloud Run in this project (default credentials). */
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  GOOGLE_CLOUD_REGION: z.string().default('us-central1'),
  /** For a private endpoint or an emulator: `host:port` (TLS), or `http://host:port` (plaintext, no credentials). */
  CLOUDRUN_API_ENDPOINT: z.string().optional(),
  ...cloudRunConfigFields,
});
export type DeployerConfig = z.output<typeof deployerConfigSchema>;
export const DEPLOYER_CONFIG = Symbol('DEPLOYER_CONFIG');
