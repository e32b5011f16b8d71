import { z } from 'zod';
import { chatActionSchema, chatReplyMetadataSchema } from './chat.js';
import { defineEvent, defineRequest } from './subject.js';
import { deploymentEventSchema, deploymentSummarySchema } from './deployment.js';
import { deploymentStatusSchema, stageSchema } from './stages.js';
import { sealedSettingsChangeSchema } from './services.subjects.js';
import { envNameSchema } from './service-settings.js';
import { CHAT_COMMAND_SUBJECTS, CHAT_PLANNING_MS } from './chat-commands.js';
import { multiLine, singleLine } from './text.js';

/** Who is asking: the gateway derives it from the connection, never from the message. */
const ownerSchema = singleLine({ min: 1, max: 128 });

export const chatSubject = defineRequest({
  subject: 'orchestrator.chat.v1',
  service: 'orchestrator',
  // A message is planned, then runs what it asks (an analysis, a rollback, a delete…) before the
  // reply: the gateway waits as long as the slowest of those may take, never giving up on work
  // that is still going on.
  timeoutMs: CHAT_PLANNING_MS + Math.max(...CHAT_COMMAND_SUBJECTS.map((s) => s.timeoutMs)) + 5_000,
  request: z.object({
    owner: ownerSchema,
    sessionId: z.uuid().optional(),
    message: multiLine({ max: 10_000 }),
    context: z
      .object({
        action: z.enum(['deploy', 'analyze', 'chat', 'confirm', 'dismiss']).optional(),
        /** The confirmation a pressed button refers to. */
        actionId: z.uuid().optional(),
        repoUrl: singleLine({ max: 2048 }).optional(),
        branch: singleLine({ max: 255 }).optional(),
        appPath: singleLine({ max: 1024 }).optional(),
        /** The GitHub token, sealed by the gateway; never travels in clear. */
        sealedToken: singleLine({ max: 2048 }).optional(),
        /** Settings a deploy brings along, secrets sealed by the gateway. */
        settings: sealedSettingsChangeSchema.optional(),
        /** Values typed in the message (`NAME=VALUE`), sealed by the gateway; the message carries them masked. */
        sealedValues: z.record(envNameSchema, singleLine({ max: 8192 })).optional(),
      })
      .default({}),
    clientMessageId: singleLine({ min: 1, max: 128 }).optional(),
  }),
  response: z.object({
    sessionId: z.uuid(),
    content: z.string(),
    actions: z.array(chatActionSchema),
    metadata: chatReplyMetadataSchema,
  }),
});

/** Workers report progress and real log lines; the orchestrator stores them with a `seq`. */
export const progressSubject = defineRequest({
  subject: 'orchestrator.progress.v1',
  service: 'orchestrator',
  timeoutMs: 10_000,
  request: z.object({
    deploymentId: z.uuid(),
    stage: stageSchema,
    message: z.string().max(2000).default(''),
    /** Progress within the stage, 0..1; mapped onto the deployment's 0–100 scale. */
    fraction: z.number().min(0).max(1).optional(),
    logs: z.array(z.string().max(8192)).max(1000).default([]),
  }),
  response: z.object({ seq: z.number().int().nullable() }),
});

export const listDeploymentsSubject = defineRequest({
  subject: 'orchestrator.deployments.list.v1',
  service: 'orchestrator',
  timeoutMs: 10_000,
  request: z.object({ owner: ownerSchema, limit: z.number().int().min(1).max(200).default(50) }),
  response: z.object({ deployments: z.array(deploymentSummarySchema) }),
});

export const getDeploymentSubject = defineRequest({
  subject: 'orchestrator.deployments.get.v1',
  service: 'orchestrator',
  timeoutMs: 10_000,
  request: z.object({ owner: ownerSchema, id: z.uuid() }),
  response: z.object({ deployment: deploymentSummarySchema, events: z.array(deploymentEventSchema) }),
});

export const deploymentEventsSubject = defineRequest({
  subject: 'orchestrator.deployments.events.v1',
  service: 'orchestrator',
  timeoutMs: 10_000,
  request: z.object({ owner: ownerSchema, id: z.uuid(), afterSeq: z.number().int().min(0) }),
  response: z.object({ events: z.array(deploymentEventSchema) }),
});

export const healthSubject = defineRequest({
  subject: 'orchestrator.health.v1',
  service: 'orchestrator',
  timeoutMs: 3_000,
  request: z.object({}),
  response: z.object({ database: z.enum(['up', 'down']) }),
});

export const statsSubject = defineRequest({
  subject: 'orchestrator.stats.v1',
  service: 'orchestrator',
  timeoutMs: 5_000,
  request: z.object({}),
  response: z.object({ deploymentsByStatus: z.record(deploymentStatusSchema, z.number().int()) }),
});

/** Every stored deployment event, fanned out to every gateway. */
export const deploymentEventPublished = defineEvent({
  subject: 'gateway.deployment-event.v1',
  payload: deploymentEventSchema,
});

/** Stored deployment events, in `seq` order, fanned out to every gateway in one message per batch. */
export const deploymentEventsPublished = defineEvent({
  subject: 'gateway.deployment-events.v1',
  payload: z.object({ events: z.array(deploymentEventSchema).min(1).max(1000) }),
});
