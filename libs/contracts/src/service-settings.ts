import { z } from 'zod';
import { singleLine } from './text.js';

/** Names the platform sets itself; a service cannot override them. */
export const RESERVED_ENV_NAMES = ['PORT', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION', 'CLOUD_RUN_JOB', 'CLOUD_RUN_EXECUTION'] as const;

/** An environment variable's name as POSIX shells and Cloud Run accept it. */
export const envNameSchema = z
  .string()
  .min(1, 'an env var name cannot be empty')
  .max(128, 'an env var name is at most 128 characters')
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an env var name is letters, digits and "_", not starting with a digit')
  .refine((name) => !(RESERVED_ENV_NAMES as readonly string[]).includes(name), 'this name is set by the platform and cannot be changed');

/** One value: a single line of text (multi-line values are refused; base64-encode them). */
export const envValueSchema = singleLine({ tabs: true }).max(32_768, 'a value is at most 32 KiB');

export const envMapSchema = z.record(envNameSchema, envValueSchema).refine((map) => Object.keys(map).length <= 200, 'at most 200 variables');

/** Cloud Run resources of one service; unset fields fall back to the deployer's defaults. */
export const cloudRunResourcesSchema = z.object({
  /** vCPUs per instance, as Cloud Run writes them. */
  cpu: z.enum(['0.08', '0.5', '1', '2', '4', '6', '8']).optional(),
  /** Memory per instance, e.g. `512Mi`, `2Gi`. */
  memory: z
    .string()
    .regex(/^[1-9][0-9]{0,5}(Mi|Gi)$/, 'memory is a number with Mi or Gi, e.g. 512Mi')
    .optional(),
  minInstances: z.number().int().min(0).max(1000).optional(),
  maxInstances: z.number().int().min(1).max(1000).optional(),
  /** Requests one instance serves at once. */
  concurrency: z.number().int().min(1).max(1000).optional(),
});
export type CloudRunResources = z.infer<typeof cloudRunResourcesSchema>;

/** A start command a person typed: one line, no control characters. */
export const startCommandSchema = singleLine({ min: 1, max: 2000 });

export const healthCheckPathSchema = z
  .string()
  .max(512)
  .regex(/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]*$/, 'a health-check path starts with "/" and is a URL path');

/**
 * A service's settings as stored (one version per change). Secrets are sealed with the
 * installation key (`SecretBox`) and never leave the orchestrator in clear: workers that need a
 * value open it themselves.
 */
export const serviceSettingsSchema = z.object({
  /** Runtime environment variables, in clear. */
  env: envMapSchema.default({}),
  /** Build-time environment variables (not secret), in clear. */
  buildEnv: envMapSchema.default({}),
  /** Runtime secrets: name → sealed value. */
  secrets: z.record(envNameSchema, z.string().max(70_000)).default({}),
  /**
   * Build-time secrets: name → sealed value. Never an ARG or ENV: a Cloud Run build mounts them
   * from Secret Manager (`RUN --mount=type=secret`), a local build has them in its commands' environment.
   */
  buildSecrets: z.record(envNameSchema, z.string().max(70_000)).default({}),
  startCommand: startCommandSchema.nullable().default(null),
  port: z.number().int().min(1).max(65535).nullable().default(null),
  healthCheckPath: healthCheckPathSchema.default('/'),
  cloudRun: cloudRunResourcesSchema.default({}),
});
export type ServiceSettings = z.output<typeof serviceSettingsSchema>;

/** What REST, chat and the UI show of a secret: its name and a masked tail, never the value. */
export const maskedSecretSchema = z.object({ name: envNameSchema, masked: z.string() });
export type MaskedSecret = z.infer<typeof maskedSecretSchema>;

/** Settings as anyone outside the orchestrator sees them. */
export const serviceSettingsViewSchema = z.object({
  version: z.number().int().min(0),
  env: z.record(z.string(), z.string()),
  buildEnv: z.record(z.string(), z.string()),
  secrets: z.array(maskedSecretSchema),
  buildSecrets: z.array(maskedSecretSchema).default([]),
  startCommand: z.string().nullable(),
  port: z.number().int().nullable(),
  healthCheckPath: z.string(),
  cloudRun: cloudRunResourcesSchema,
});
export type ServiceSettingsView = z.infer<typeof serviceSettingsViewSchema>;

/** A change to a service's settings: each field present is applied, the rest kept. */
export const settingsChangeSchema = z.object({
  /** Runtime variables to set (in clear). */
  env: envMapSchema.optional(),
  /** Build-time variables to set. */
  buildEnv: envMapSchema.optional(),
  /** Secrets to set, in clear on the way in only (the gateway or orchestrator seals them at once). */
  secrets: envMapSchema.optional(),
  /** Build-time secrets to set, in clear on the way in only, sealed at once like `secrets`. */
  buildSecrets: envMapSchema.optional(),
  /** Names to remove, from whichever of env, buildEnv, secrets and buildSecrets holds them. */
  unset: z.array(envNameSchema).max(200).optional(),
  startCommand: startCommandSchema.nullable().optional(),
  port: z.number().int().min(1).max(65535).nullable().optional(),
  healthCheckPath: healthCheckPathSchema.optional(),
  cloudRun: cloudRunResourcesSchema.optional(),
});
export type SettingsChange = z.infer<typeof settingsChangeSchema>;

/** The masked form of a secret value: a tail only when the value is long enough to keep most of it hidden. */
export function maskSecret(value: string): string {
  return value.length >= 16 ? `••••${value.slice(-4)}` : '••••';
}
