import { z } from 'zod';
import { booleanFromEnv } from '#common';
import { logConfigFields, metricsConfigFields, transportConfigFields } from '#messaging';
import { secretKeyFields } from '#common';

export const orchestratorConfigSchema = z
  .object({
    ...transportConfigFields,
    ...logConfigFields,
    ...metricsConfigFields,
    SERVERGEM_HOME: z.string().optional(),
    ...secretKeyFields,
    DATABASE_URL: z.string().min(1, 'DATABASE_URL is required (postgres://user@host:5432/db)'),
    /** A schema of its own, so several installations (or test runs) can share one database. */
    DATABASE_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier')
      .default('public'),
    /**
     * How long a deployment's lease lasts (renewed every third of it): once its orchestrator is gone,
     * another one (or the same, restarted) carries the deployment on within about this long.
     */
    DEPLOYMENT_LEASE_SECONDS: z.coerce.number().int().min(3).max(600).default(30),
    /** Where deployments go unless asked otherwise: Cloud Run once a project is configured, else this machine. */
    DEFAULT_TARGET: z.enum(['local', 'cloudrun']).optional(),
    GOOGLE_CLOUD_PROJECT: z.string().optional(),
    /** Secret: the chat agent plans with Gemini function calling. Sent to Gemini only, never logged. */
    GEMINI_API_KEY: z
      .string()
      .optional()
      .transform((v) => v || undefined),
    GEMINI_MODEL: z.string().min(1).default('gemini-2.5-flash'),
    /** The Gemini API's base URL; a fake in tests. */
    GEMINI_BASE_URL: z.url().optional(),
    /** Gemini through Vertex AI (with GOOGLE_CLOUD_PROJECT and application default credentials) instead of an API key. */
    GOOGLE_GENAI_USE_VERTEXAI: booleanFromEnv,
    GOOGLE_CLOUD_LOCATION: z.string().min(1).default('us-central1'),
  })
  .transform((config) => ({ ...config, DEFAULT_TARGET: config.DEFAULT_TARGET ?? (config.GOOGLE_CLOUD_PROJECT ? ('cloudrun' as const) : ('local' as const)) }));
export type OrchestratorConfig = z.output<typeof orchestratorConfigSchema>;
export const ORCHESTRATOR_CONFIG = Symbol('ORCHESTRATOR_CONFIG');
