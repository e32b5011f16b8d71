import { z } from 'zod';
import { serviceNameSchema } from './runtime.subjects.js';
import { deploymentStatusSchema, stageSchema } from './stages.js';
import { defineEvent, defineRequest } from './subject.js';
import { singleLine } from './text.js';

/**
 * The orchestrator's word that a deployment was cancelled: every worker replica receives it (a
 * broadcast, never a queue group), and the one running a step of that deployment aborts it.
 */
export const stepCancelSubject = defineEvent({
  subject: 'workers.cancel.v1',
  payload: z.object({ deploymentId: z.uuid() }),
});

/** Cancel a queued or running deployment: by its id, or the one running for a service. */
export const cancelDeploymentSubject = defineRequest({
  subject: 'orchestrator.deployments.cancel.v1',
  service: 'orchestrator',
  timeoutMs: 10_000,
  request: z
    .object({
      /** Who is asking: the gateway derives it from the connection, never from the message. */
      owner: singleLine({ min: 1, max: 128 }),
      deploymentId: z.uuid().optional(),
      service: serviceNameSchema.optional(),
    })
    .refine((r) => (r.deploymentId === undefined) !== (r.service === undefined), 'name either a deployment id or a service, not both'),
  response: z.object({
    deploymentId: z.uuid(),
    /** True when this request cancelled it; false when it had already ended (a no-op). */
    cancelled: z.boolean(),
    status: deploymentStatusSchema,
    stage: stageSchema,
    /** Who cancelled it, when it was cancelled (now or earlier). */
    cancelledBy: z.string().nullable(),
    /** One sentence for a person: what happened. */
    message: z.string(),
  }),
});
