import { z } from 'zod';
import { booleanFromEnv } from '#common';

export const builderConfigSchema = z.object({
  NATS_URL: z.string().optional(),
  SERVERGEM_HOME: z.string().optional(),
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
  BUILD_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(900),
});
export type BuilderConfig = z.output<typeof builderConfigSchema>;
export const BUILDER_CONFIG = Symbol('BUILDER_CONFIG');
