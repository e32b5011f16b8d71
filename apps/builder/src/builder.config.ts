import { z } from 'zod';
import { logConfigFields, metricsConfigFields, transportConfigFields } from '#messaging';
import { booleanFromEnv, localTargetFields, secretKeyFields } from '#common';

export const builderConfigSchema = z.object({
  ...transportConfigFields,
  ...logConfigFields,
  ...metricsConfigFields,
  SERVERGEM_HOME: z.string().optional(),
  ...secretKeyFields,
  ...localTargetFields,
  ALLOW_LOCAL_SOURCES: booleanFromEnv,
  GIT_ALLOWED_HOSTS: z
    .string()
    .default('github.com')
    .transform((v) =>
      v
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    ),
  /** Where the `local` target downloads the pnpm, Yarn, Bun and Deno an app declares. */
  NPM_REGISTRY_URL: z.url().default('https://registry.npmjs.org'),
  BUILD_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(900),
  // The `cloudrun` target builds with Cloud Build only when a project is configured.
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  GOOGLE_CLOUD_REGION: z.string().default('us-central1'),
  ARTIFACT_REGISTRY_REPO: z.string().default('servergem'),
  /** Where source tarballs go; default `<project>_cloudbuild`, the bucket gcloud uses. */
  CLOUDBUILD_BUCKET: z.string().optional(),
  /** For a private endpoint or an emulator: `host[:port]`, or `http://host:port` for plaintext without credentials. */
  CLOUDBUILD_API_ENDPOINT: z.string().optional(),
  /** For a private endpoint or an emulator: `https://host` with credentials, `http://host:port` without. */
  STORAGE_API_ENDPOINT: z.string().optional(),
});
export type BuilderConfig = z.output<typeof builderConfigSchema>;
export const BUILDER_CONFIG = Symbol('BUILDER_CONFIG');
