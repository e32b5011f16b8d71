import { z } from 'zod';
import { defineRequest } from './subject.js';
import { targetSchema } from './stages.js';
import { singleLine } from './text.js';

/** A service name as ServerGem makes them (see `serviceSlug`): safe in paths, URLs and argv. */
export const serviceNameSchema = z
  .string()
  .min(1)
  .max(49)
  .regex(/^[a-z][a-z0-9-]*$/, 'a service name is lower-case letters, digits and dashes, starting with a letter');

export const serviceStatusSchema = z.enum(['running', 'crashed', 'stopped']);

/** Which target a service operation is for; the local runtime unless said otherwise. */
const onTarget = { target: targetSchema.default('local') };
export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

/**
 * What a running service uses now, on the local target: resident memory and CPU time summed over
 * its app's process group, how many processes that group has, and how long it has run. Null when
 * it is not running (never a number left over from before); absent from deployers older than it.
 */
export const serviceUsageSchema = z.object({
  /** Resident memory (VmRSS) of every process of the app's group, in bytes. */
  memoryBytes: z.number().int().nonnegative().nullable().optional(),
  /** CPU time (user + system, with reaped children) the group used since it started, in seconds. */
  cpuSeconds: z.number().nonnegative().nullable().optional(),
  /** Processes in the app's group (the app and what it started; not its log writer or front door). */
  processes: z.number().int().nonnegative().nullable().optional(),
  /** Seconds since the app started. */
  uptimeSeconds: z.number().int().nonnegative().nullable().optional(),
});
export type ServiceUsage = z.infer<typeof serviceUsageSchema>;

export const serviceSummarySchema = z.object({
  name: z.string(),
  url: z.string(),
  status: serviceStatusSchema,
  /** The deploymentId of the release serving now. */
  revision: z.string().nullable(),
  pid: z.number().int().nullable(),
  restarts: z.number().int(),
  startedAt: z.string().nullable(),
  ...serviceUsageSchema.shape,
});
export type ServiceSummary = z.infer<typeof serviceSummarySchema>;

export const listServicesSubject = defineRequest({
  subject: 'deployer.services.list.v1',
  service: 'deployer',
  timeoutMs: 10_000,
  request: z.object({}),
  response: z.object({ services: z.array(serviceSummarySchema) }),
});

export const serviceRevisionSchema = z.object({
  revision: z.string(),
  createdAt: z.string(),
  current: z.boolean(),
  /** Cloud Run: whether it became ready, its share of the traffic, its image and where it came from. */
  ready: z.boolean().optional(),
  percent: z.number().int().min(0).max(100).optional(),
  image: z.string().nullable().optional(),
  deploymentId: z.string().nullable().optional(),
  settingsVersion: z.number().int().nullable().optional(),
});
export type ServiceRevision = z.infer<typeof serviceRevisionSchema>;

export const listRevisionsSubject = defineRequest({
  subject: 'deployer.services.revisions.v1',
  service: 'deployer',
  timeoutMs: 10_000,
  request: z.object({ name: serviceNameSchema, ...onTarget }),
  /** Newest first. */
  response: z.object({ name: z.string(), revisions: z.array(serviceRevisionSchema) }),
});

export const rollbackSubject = defineRequest({
  subject: 'deployer.services.rollback.v1',
  service: 'deployer',
  timeoutMs: 3 * 60_000,
  request: z.object({
    name: serviceNameSchema,
    ...onTarget,
    /** The revision to serve; without it, the one before the current one. */
    revision: singleLine({ min: 1, max: 100 }).optional(),
  }),
  response: z.object({ name: z.string(), revision: z.string(), url: z.string() }),
});

/** One line of a service's log, as Cloud Logging has it. */
export const logEntrySchema = z.object({
  /** ISO 8601. */
  at: z.string(),
  revision: z.string().nullable(),
  severity: z.string(),
  text: z.string(),
});
export type LogEntry = z.infer<typeof logEntrySchema>;

export const serviceLogsSubject = defineRequest({
  subject: 'deployer.services.logs.v1',
  service: 'deployer',
  timeoutMs: 10_000,
  request: z.object({ name: serviceNameSchema, ...onTarget, tail: z.coerce.number().int().min(1).max(5000).default(200) }),
  /** Oldest first. Cloud Run also gives each line as an entry (time, revision, severity). */
  response: z.object({ name: z.string(), lines: z.array(z.string()), entries: z.array(logEntrySchema).optional() }),
});

export const stopServiceSubject = defineRequest({
  subject: 'deployer.services.stop.v1',
  service: 'deployer',
  timeoutMs: 30_000,
  request: z.object({ name: serviceNameSchema, ...onTarget }),
  response: z.object({ name: z.string(), status: serviceStatusSchema }),
});

export const trafficSplitSchema = z.object({ revision: z.string().min(1).max(100), percent: z.number().int().min(0).max(100) });
export type TrafficSplit = z.infer<typeof trafficSplitSchema>;

export const serviceTrafficSchema = z.object({
  revision: z.string(),
  percent: z.number().int(),
  tag: z.string().nullable(),
  /** The tag's own URL, when it has one. */
  url: z.string().nullable(),
});

/** A service as its target reports it now. */
export const serviceStateSchema = z.object({
  name: z.string(),
  target: targetSchema,
  url: z.string(),
  /** `ready`, `failed` or `pending`, and the platform's own words when it is not ready. */
  ready: z.object({ state: z.enum(['ready', 'failed', 'pending']), message: z.string() }),
  traffic: z.array(serviceTrafficSchema),
  latestReadyRevision: z.string().nullable(),
  latestCreatedRevision: z.string().nullable(),
  /** Stopped by ServerGem: no instance runs until it is started again. */
  stopped: z.boolean(),
});
export type ServiceState = z.infer<typeof serviceStateSchema>;

export const serviceStateSubject = defineRequest({
  subject: 'deployer.services.status.v1',
  service: 'deployer',
  timeoutMs: 10_000,
  request: z.object({ name: serviceNameSchema, ...onTarget }),
  response: serviceStateSchema,
});

export const trafficSubject = defineRequest({
  subject: 'deployer.services.traffic.v1',
  service: 'deployer',
  timeoutMs: 3 * 60_000,
  request: z.object({ name: serviceNameSchema, ...onTarget, splits: z.array(trafficSplitSchema).min(1).max(20) }),
  response: z.object({ name: z.string(), url: z.string(), traffic: z.array(trafficSplitSchema) }),
});

export const startServiceSubject = defineRequest({
  subject: 'deployer.services.start.v1',
  service: 'deployer',
  timeoutMs: 3 * 60_000,
  request: z.object({ name: serviceNameSchema, ...onTarget }),
  response: z.object({ name: z.string(), status: serviceStatusSchema }),
});

export const deleteServiceSubject = defineRequest({
  subject: 'deployer.services.delete.v1',
  service: 'deployer',
  timeoutMs: 3 * 60_000,
  request: z.object({ name: serviceNameSchema, ...onTarget }),
  /** `secrets`: the Secret Manager secrets deleted with it. */
  response: z.object({ name: z.string(), deleted: z.literal(true), secrets: z.array(z.string()) }),
});

/** A Secret Manager reference: a secret id in the deployment's project and a version. */
export const secretRefSchema = z.object({
  secret: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'a secret id is 1 to 255 letters, digits, "-" or "_"'),
  version: z.string().regex(/^([1-9][0-9]{0,9}|latest)$/, 'a secret version is a number or "latest"'),
});
export type SecretReference = z.infer<typeof secretRefSchema>;

/**
 * Puts a service's sealed secrets into Secret Manager (a new version only for a changed value) and
 * returns references, so a Cloud Build build can mount them without the builder seeing a value.
 */
export const syncSecretsSubject = defineRequest({
  subject: 'deployer.secrets.sync.v1',
  service: 'deployer',
  timeoutMs: 60_000,
  request: z.object({
    name: serviceNameSchema,
    secrets: z.record(z.string(), z.string().max(70_000)),
    /** `build`: build-time secrets, kept apart from the runtime ones (and from pruning: no revision references them). */
    purpose: z.enum(['runtime', 'build']).default('runtime'),
  }),
  response: z.object({ refs: z.record(z.string(), secretRefSchema) }),
});
