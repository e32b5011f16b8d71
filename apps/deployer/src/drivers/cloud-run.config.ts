import { z } from 'zod';
import { booleanFromEnv } from '#common';

/** `booleanFromEnv`, but on unless set to a false value. */
const booleanDefaultTrue = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === undefined || v === '' || v === 'true' || v === '1' || v === 'yes');

/** Settings of the `cloudrun` deploy driver, part of the deployer's config schema. */
export const cloudRunConfigFields = {
  /** vCPUs per instance, as Cloud Run writes them ('1', '2', '0.5'). */
  CLOUDRUN_CPU: z.string().default('1'),
  CLOUDRUN_MEMORY: z.string().default('512Mi'),
  /** Requests one instance serves at once. */
  CLOUDRUN_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(80),
  CLOUDRUN_MIN_INSTANCES: z.coerce.number().int().min(0).default(0),
  CLOUDRUN_MAX_INSTANCES: z.coerce.number().int().min(1).default(10),
  CLOUDRUN_REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /** How long a new revision has to become Ready before the deployment fails (the old one keeps serving). */
  CLOUDRUN_READY_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(300),
  /** GET the new revision's own URL before it takes traffic; turn off for private services. */
  CLOUDRUN_VERIFY_HTTP: booleanDefaultTrue,
  /** Grant `roles/run.invoker` to `allUsers`: anyone can call the service. */
  CLOUDRUN_ALLOW_UNAUTHENTICATED: booleanFromEnv,
  /**
   * Secret Manager references for the env vars the analysis marks as secrets, comma-separated
   * `NAME=secret[:version]` (e.g. `DATABASE_URL=db-url:3,API_KEY=api-key`). Unmapped secrets are skipped.
   * A service's own secrets (its settings) come first; this maps only those the settings do not hold.
   */
  CLOUDRUN_SECRETS: z.string().optional(),
  /** For a private endpoint or an emulator, as CLOUDRUN_API_ENDPOINT. */
  SECRETMANAGER_API_ENDPOINT: z.string().optional(),
  LOGGING_API_ENDPOINT: z.string().optional(),
};
