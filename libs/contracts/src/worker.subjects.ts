import { z } from 'zod';
import { analysisReportSchema } from './analysis-report.js';
import { sourceSpecSchema } from './deployment.js';
import { secretRefSchema } from './runtime.subjects.js';
import { envMapSchema, envNameSchema, serviceSettingsSchema } from './service-settings.js';
import { defineRequest } from './subject.js';
import { targetSchema } from './stages.js';
import { singleLine } from './text.js';

export const analyzeSubject = defineRequest({
  subject: 'analyzer.analyze.v1',
  service: 'analyzer',
  timeoutMs: 10 * 60_000,
  request: z.object({
    deploymentId: z.uuid().optional(),
    source: sourceSpecSchema,
    sealedToken: singleLine({ max: 2048 }).optional(),
    /** Which delivery of the step's job this is (1 unless a worker went silent and it came again): each works in its own folder. */
    attempt: z.number().int().min(1).max(100).optional(),
  }),
  response: z.object({
    commitSha: z.string().nullable(),
    /** The repository's or folder's name, the base of the service name. */
    sourceName: z.string(),
    report: analysisReportSchema,
  }),
});

export const buildArtifactSchema = z.discriminatedUnion('kind', [
  /** A release folder on this machine, ready to run (the `local` target). */
  z.object({
    kind: z.literal('local'),
    releaseDir: z.string(),
    appDir: z.string(),
    /** Folders first on the app's PATH: the toolchain the build provisioned (pnpm, Yarn, Bun, Deno). */
    path: z.array(z.string()).optional(),
  }),
  /** A container image in a registry (the `cloudbuild` driver). */
  z.object({ kind: z.literal('image'), image: z.string() }),
]);
export type BuildArtifact = z.infer<typeof buildArtifactSchema>;

export const buildSubject = defineRequest({
  subject: 'builder.build.v1',
  service: 'builder',
  timeoutMs: 30 * 60_000,
  request: z.object({
    deploymentId: z.uuid(),
    source: sourceSpecSchema,
    commitSha: z.string().nullable(),
    serviceName: z.string(),
    report: analysisReportSchema,
    target: targetSchema,
    sealedToken: singleLine({ max: 2048 }).optional(),
    /** Build-time variables (not secret), from the service's settings. */
    buildEnv: envMapSchema.optional(),
    /** Build-time secrets as Secret Manager references (see `deployer.secrets.sync.v1`): a value never travels here. */
    buildSecrets: z.record(envNameSchema, secretRefSchema).optional(),
    /** Build-time secrets sealed with the installation key, for a local build: the builder opens them into its commands' environment only. */
    sealedBuildSecrets: z.record(envNameSchema, z.string().min(1).max(70_000)).optional(),
    /** Which delivery of the step's job this is (1 unless a worker went silent and it came again): each works in its own folder. */
    attempt: z.number().int().min(1).max(100).optional(),
  }),
  response: z.object({
    artifact: buildArtifactSchema,
    dockerfile: z.string(),
    dockerignore: z.string(),
  }),
});

export const deploySubject = defineRequest({
  subject: 'deployer.deploy.v1',
  service: 'deployer',
  timeoutMs: 10 * 60_000,
  request: z.object({
    deploymentId: z.uuid(),
    serviceName: z.string(),
    artifact: buildArtifactSchema,
    report: analysisReportSchema,
    target: targetSchema,
    /** The service's settings (secrets sealed) and their version; without them the analysis and defaults decide. */
    settings: serviceSettingsSchema.optional(),
    settingsVersion: z.number().int().min(0).optional(),
    /** Which delivery of the step's job this is (1 unless a worker went silent and it came again): each works in its own folder. */
    attempt: z.number().int().min(1).max(100).optional(),
  }),
  response: z.object({
    url: z.string(),
    serviceName: z.string(),
    region: z.string(),
    image: z.string(),
  }),
});
