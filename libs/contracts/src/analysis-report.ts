import { z } from 'zod';

export const envVarSchema = z.object({
  name: z.string(),
  kind: z.enum(['runtime', 'build', 'secret']),
  source: z.string(),
  /**
   * Whether the app reads it with no default, so a deployment without a value fails
   * (apps/analyzer/src/detect/env-vars.ts says what counts, per language). The analyzer always
   * sets it; a report from before it did has none, which means false.
   */
  required: z.boolean().optional(),
});
export type EnvVar = z.infer<typeof envVarSchema>;

export const evidenceSchema = z.object({
  field: z.string(),
  file: z.string(),
  line: z.number().int().positive().optional(),
  reason: z.string(),
  /** The line itself, for the few a proposed fix may patch (where the app picks its port); never a secret's file. */
  excerpt: z.string().max(300).optional(),
});
export type Evidence = z.infer<typeof evidenceSchema>;

export const commandsSchema = z.object({
  install: z.array(z.string()),
  build: z.array(z.string()),
  start: z.string().nullable(),
});
export type Commands = z.infer<typeof commandsSchema>;

const reportFields = {
  language: z.string(),
  framework: z.string().nullable(),
  runtime: z.object({ name: z.string(), version: z.string().nullable() }),
  packageManager: z.string().nullable(),
  commands: commandsSchema,
  port: z.number().int().min(1).max(65535).nullable(),
  portFromEnv: z.boolean(),
  env: z.array(envVarSchema),
  appPath: z.string(),
  /** For sites served as files after the build: the folder to serve (e.g. `dist`); null otherwise. */
  staticDir: z.string().nullable().optional(),
  /** The repository's own Dockerfile, relative to appPath, when it has one (used as it is). */
  dockerfile: z.string().nullable().optional(),
  evidence: z.array(evidenceSchema),
  confidence: z.number().min(0).max(1),
  warnings: z.array(z.string()),
};

export const serviceReportSchema = z.object(reportFields);
export type ServiceReport = z.infer<typeof serviceReportSchema>;

/** What `servergem analyze <path> --json` prints (shared/DESIGN.md). */
export const analysisReportSchema = z.object({
  ...reportFields,
  services: z.array(serviceReportSchema),
  /** Gemini's plain-language account of the app, shown in chat; absent without Gemini. */
  explanation: z.string().optional(),
});
export type AnalysisReport = z.infer<typeof analysisReportSchema>;
