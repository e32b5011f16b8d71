import { z } from 'zod';
import { deploymentStatusSchema, stageSchema, targetSchema } from './stages.js';
import { defineRequest } from './subject.js';
import { singleLine } from './text.js';
import {
  logEntrySchema,
  serviceNameSchema,
  serviceRevisionSchema,
  serviceStateSchema,
  serviceStatusSchema,
  serviceUsageSchema,
  trafficSplitSchema,
} from './runtime.subjects.js';
import { envNameSchema, serviceSettingsViewSchema, settingsChangeSchema } from './service-settings.js';

/**
 * The services a person owns, as the orchestrator answers for them. Every request names its owner
 * (the gateway takes it from the token, never from the client); another owner's service reads as
 * missing (`NOT_FOUND`), exactly like one that does not exist.
 */
const ownerSchema = singleLine({ min: 1, max: 128 });
const owned = { owner: ownerSchema, name: serviceNameSchema };

/** What a service is doing now, from the table and the target together. */
export const serviceLifeSchema = z.enum(['live', 'deploying', 'failed', 'stopped', 'crashed', 'new']);
export type ServiceLife = z.infer<typeof serviceLifeSchema>;

export const serviceDeploymentRefSchema = z.object({
  id: z.uuid(),
  kind: z.enum(['deploy', 'settings', 'rebuild', 'redeploy']),
  status: deploymentStatusSchema,
  stage: stageSchema,
  settingsVersion: z.number().int().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});

export const cloudRunLimitsSchema = z.object({ cpu: z.string().nullable(), memory: z.string().nullable() });
export type CloudRunLimits = z.infer<typeof cloudRunLimitsSchema>;

/**
 * One service of its owner. `status`, `revision`, `pid`, `restarts` and `startedAt` keep the shape
 * the local runtime always listed (`serviceSummarySchema`); the rest is the service as owned.
 */
export const ownedServiceSchema = z.object({
  name: z.string(),
  target: targetSchema,
  region: z.string().nullable(),
  url: z.string(),
  state: serviceLifeSchema,
  status: serviceStatusSchema,
  /** The revision serving now (local: the deployment id that made it; Cloud Run: its revision name). */
  revision: z.string().nullable(),
  previousRevision: z.string().nullable(),
  pid: z.number().int().nullable(),
  restarts: z.number().int(),
  startedAt: z.string().nullable(),
  settingsVersion: z.number().int(),
  repoUrl: z.string(),
  branch: z.string().nullable(),
  appPath: z.string().nullable(),
  lastDeployment: serviceDeploymentRefSchema.nullable(),
  createdAt: z.string(),
  /** Local: what its app uses now (null when it is not running). Cloud Run does not measure it: see `limits`. */
  ...serviceUsageSchema.shape,
  /** Cloud Run: each instance's limits from the service's settings (null: the deployer's default); usage is not measured there. */
  limits: cloudRunLimitsSchema.nullable().optional(),
});
export type OwnedService = z.infer<typeof ownedServiceSchema>;

export const ownedServicesListSubject = defineRequest({
  subject: 'orchestrator.services.list.v1',
  service: 'orchestrator',
  timeoutMs: 15_000,
  request: z.object({ owner: ownerSchema }),
  response: z.object({ services: z.array(ownedServiceSchema) }),
});

export const ownedServiceGetSubject = defineRequest({
  subject: 'orchestrator.services.get.v1',
  service: 'orchestrator',
  timeoutMs: 15_000,
  request: z.object(owned),
  /** `service`: as owned; the rest: what its target reports now (the shape `deployer.services.status.v1` always had). */
  response: serviceStateSchema.extend({ service: ownedServiceSchema }),
});

export const ownedRevisionsSubject = defineRequest({
  subject: 'orchestrator.services.revisions.v1',
  service: 'orchestrator',
  timeoutMs: 15_000,
  request: z.object(owned),
  response: z.object({ name: z.string(), revisions: z.array(serviceRevisionSchema) }),
});

export const ownedRollbackSubject = defineRequest({
  subject: 'orchestrator.services.rollback.v1',
  service: 'orchestrator',
  timeoutMs: 3 * 60_000 + 5_000,
  request: z.object({ ...owned, revision: singleLine({ min: 1, max: 100 }).optional() }),
  response: z.object({ name: z.string(), revision: z.string(), url: z.string() }),
});

export const ownedLogsSubject = defineRequest({
  subject: 'orchestrator.services.logs.v1',
  service: 'orchestrator',
  timeoutMs: 15_000,
  request: z.object({ ...owned, tail: z.number().int().min(1).max(5000).default(200) }),
  response: z.object({ name: z.string(), lines: z.array(z.string()), entries: z.array(logEntrySchema).optional() }),
});

/** stop / start: the service keeps its URL, revisions and settings. */
export const ownedPowerSubject = defineRequest({
  subject: 'orchestrator.services.power.v1',
  service: 'orchestrator',
  timeoutMs: 3 * 60_000 + 5_000,
  request: z.object({ ...owned, action: z.enum(['stop', 'start']) }),
  response: z.object({ name: z.string(), status: serviceStatusSchema }),
});

export const ownedDeleteSubject = defineRequest({
  subject: 'orchestrator.services.delete.v1',
  service: 'orchestrator',
  timeoutMs: 3 * 60_000 + 5_000,
  request: z.object(owned),
  response: z.object({ name: z.string(), deleted: z.literal(true), secrets: z.array(z.string()) }),
});

export const ownedTrafficSubject = defineRequest({
  subject: 'orchestrator.services.traffic.v1',
  service: 'orchestrator',
  timeoutMs: 3 * 60_000 + 5_000,
  request: z.object({ ...owned, splits: z.array(trafficSplitSchema).min(1).max(20) }),
  response: z.object({ name: z.string(), url: z.string(), traffic: z.array(trafficSplitSchema) }),
});

export const ownedSettingsSubject = defineRequest({
  subject: 'orchestrator.services.settings.get.v1',
  service: 'orchestrator',
  timeoutMs: 15_000,
  request: z.object(owned),
  response: z.object({ name: z.string(), settings: serviceSettingsViewSchema }),
});

/** Secret values as they travel between the services: sealed with the installation key. */
export const sealedSecretsSchema = z.record(envNameSchema, z.string().min(1).max(70_000));

/** A settings change as the gateway forwards it: the secrets sealed, the rest as the client sent it. */
export const sealedSettingsChangeSchema = settingsChangeSchema
  .omit({ secrets: true, buildSecrets: true })
  .extend({ sealedSecrets: sealedSecretsSchema.optional(), sealedBuildSecrets: sealedSecretsSchema.optional() });
export type SealedSettingsChange = z.infer<typeof sealedSettingsChangeSchema>;

/**
 * Changes a service's settings (a new settings version) and, when it has a revision serving, rolls
 * them out at the same URL, reported like any deployment (`deploymentId`): a new revision of the
 * same build when only runtime values changed, a rebuild from the source it serves (its commit, or
 * its folder as it is now) when a build-time value (`buildEnv`, `buildSecrets`) was added, changed
 * or removed — the image was built with those. `rollout: false` only stores them, for the next deployment.
 */
export const ownedSettingsChangeSubject = defineRequest({
  subject: 'orchestrator.services.settings.change.v1',
  service: 'orchestrator',
  timeoutMs: 15_000,
  request: z.object({ ...owned, change: sealedSettingsChangeSchema, rollout: z.boolean().default(true) }),
  response: z.object({
    name: z.string(),
    settings: serviceSettingsViewSchema,
    /** The deployment rolling the change out; null when nothing serves yet (the next deployment uses them). */
    deploymentId: z.uuid().nullable(),
    /** The names the change set or removed. */
    changed: z.array(z.string()),
    /** The build-time names whose value the change added, changed or removed: any of them means a rebuild. */
    buildChanged: z.array(z.string()).default([]),
    /** How `deploymentId` rolls the change out: `rebuild` or a new revision of the `same-build`; null when nothing rolls out. */
    rolloutKind: z.enum(['rebuild', 'same-build']).nullable().default(null),
  }),
});

/** Deploys a service again: the same commit (or, `latest`, the branch's newest), with its current settings. */
export const ownedRedeploySubject = defineRequest({
  subject: 'orchestrator.services.redeploy.v1',
  service: 'orchestrator',
  timeoutMs: 15_000,
  request: z.object({ ...owned, latest: z.boolean().default(false) }),
  response: z.object({ name: z.string(), deploymentId: z.uuid(), commitSha: z.string().nullable() }),
});
