import { z } from 'zod';
import { logConfigFields, metricsConfigFields, transportConfigFields } from '#messaging';
import { booleanFromEnv, secretKeyFields } from '#common';

export const analyzerConfigSchema = z.object({
  ...transportConfigFields,
  ...logConfigFields,
  ...metricsConfigFields,
  SERVERGEM_HOME: z.string().optional(),
  ...secretKeyFields,
  /** Local folders and repositories: set only by the all-in-one server on loopback. */
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
  CLONE_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(300),
  CLONE_MAX_MB: z.coerce.number().int().positive().default(1024),
  CLONE_MAX_FILES: z.coerce.number().int().positive().default(100_000),
  /** The GitHub REST API; a GitHub Enterprise Server's `https://host/api/v3`, or a fake in tests. */
  GITHUB_API_URL: z
    .url()
    .default('https://api.github.com')
    .transform((v) => v.replace(/\/+$/, '')),
  /** Secret: turns on Gemini-assisted analysis. Sent to Gemini only, never logged or forwarded. */
  GEMINI_API_KEY: z
    .string()
    .optional()
    .transform((v) => v || undefined),
  GEMINI_MODEL: z.string().min(1).default('gemini-2.5-flash'),
  /** The Gemini API's base URL; a fake in tests. */
  GEMINI_BASE_URL: z.url().optional(),
});
export type AnalyzerConfig = z.output<typeof analyzerConfigSchema>;
export const ANALYZER_CONFIG = Symbol('ANALYZER_CONFIG');
