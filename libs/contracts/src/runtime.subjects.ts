import { z } from 'zod';
import { defineRequest } from './subject.js';
import { singleLine } from './text.js';

/** A service name as ServerGem makes them (see `serviceSlug`): safe in paths, URLs and argv. */
export const serviceNameSchema = z
  .string()
  .min(1)
  .max(49)
  .regex(/^[a-z][a-z0-9-]*$/, 'a service name is lower-case letters, digits and dashes, starting with a letter');

export const serviceStatusSchema = z.enum(['running', 'crashed', 'stopped']);
export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

export const serviceSummarySchema = z.object({
  name: z.string(),
  url: z.string(),
  status: serviceStatusSchema,
  /** The deploymentId of the release serving now. */
  revision: z.string().nullable(),
  pid: z.number().int().nullable(),
  restarts: z.number().int(),
  startedAt: z.string().nullable(),
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
});
export type ServiceRevision = z.infer<typeof serviceRevisionSchema>;

export const listRevisionsSubject = defineRequest({
  subject: 'deployer.services.revisions.v1',
  service: 'deployer',
  timeoutMs: 10_000,
  request: z.object({ name: serviceNameSchema }),
  /** Newest first. */
  response: z.object({ name: z.string(), revisions: z.array(serviceRevisionSchema) }),
});

export const rollbackSubject = defineRequest({
  subject: 'deployer.services.rollback.v1',
  service: 'deployer',
  timeoutMs: 3 * 60_000,
  request: z.object({
    name: serviceNameSchema,
    /** The revision to serve; without it, the one before the current one. */
    revision: singleLine({ min: 1, max: 100 }).optional(),
  }),
  response: z.object({ name: z.string(), revision: z.string(), url: z.string() }),
});

export const serviceLogsSubject = defineRequest({
  subject: 'deployer.services.logs.v1',
  service: 'deployer',
  timeoutMs: 10_000,
  request: z.object({ name: serviceNameSchema, tail: z.coerce.number().int().min(1).max(5000).default(200) }),
  response: z.object({ name: z.string(), lines: z.array(z.string()) }),
});

export const stopServiceSubject = defineRequest({
  subject: 'deployer.services.stop.v1',
  service: 'deployer',
  timeoutMs: 30_000,
  request: z.object({ name: serviceNameSchema }),
  response: z.object({ name: z.string(), status: serviceStatusSchema }),
});
