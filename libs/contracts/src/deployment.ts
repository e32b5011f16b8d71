import { z } from 'zod';
import { errorCodeSchema } from './errors.js';
import { deploymentStatusSchema, stageSchema, targetSchema } from './stages.js';
import { singleLine } from './text.js';

export const sourceSpecSchema = z.object({
  /** An https git URL, or (all-in-one on loopback only) an absolute local path. */
  repoUrl: singleLine({ min: 1, max: 2048 }),
  branch: singleLine({ max: 255 }).optional(),
  /** Sub-folder of the repository holding the app. */
  appPath: singleLine({ max: 1024 }).optional(),
  /**
   * Accepted fixes, applied to this deployment's copy of the source after it is fetched (never to
   * the repository or the folder itself); paths relative to the app folder.
   */
  patches: z
    .array(z.object({ file: singleLine({ min: 1, max: 1024 }), diff: z.string().min(1).max(20_000) }))
    .max(5)
    .optional(),
});
export type SourceSpec = z.infer<typeof sourceSpecSchema>;

export const deploymentOutcomeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('complete'),
    url: z.string(),
    serviceName: z.string(),
    region: z.string(),
    image: z.string(),
  }),
  z.object({
    kind: z.literal('error'),
    stage: stageSchema,
    code: errorCodeSchema,
    message: z.string(),
    hint: z.string(),
  }),
]);
export type DeploymentOutcome = z.infer<typeof deploymentOutcomeSchema>;

/** One stored event of a deployment's log; `seq` counts from 1 with no gaps. */
export const deploymentEventSchema = z.object({
  deploymentId: z.uuid(),
  seq: z.number().int().positive(),
  stage: stageSchema,
  progress: z.number().int().min(0).max(100),
  message: z.string(),
  logs: z.array(z.string()),
  createdAt: z.string(),
  outcome: deploymentOutcomeSchema.nullable(),
});
export type DeploymentEvent = z.infer<typeof deploymentEventSchema>;

/**
 * How long a finished deployment took, from its stored events: `buildMs` from its first stage after
 * `queued` (cloning the source) to its first `deploying` event, or to its end when it never got
 * there; `deployMs` from that `deploying` event to its end. Null where the log has no such span.
 */
export const deploymentTimesSchema = z.object({
  buildMs: z.number().int().min(0).nullable(),
  deployMs: z.number().int().min(0).nullable(),
});
export type DeploymentTimes = z.infer<typeof deploymentTimesSchema>;

export const deploymentSummarySchema = z.object({
  id: z.uuid(),
  status: deploymentStatusSchema,
  stage: stageSchema,
  progress: z.number().int(),
  repoUrl: z.string(),
  branch: z.string().nullable(),
  appPath: z.string().nullable(),
  commitSha: z.string().nullable(),
  target: targetSchema,
  serviceName: z.string().nullable(),
  url: z.string().nullable(),
  error: z.object({ code: errorCodeSchema, message: z.string(), hint: z.string() }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Who cancelled it (the owner the cancel came from), when it was cancelled. */
  cancelledBy: z.string().nullable().optional(),
  /** Build and deploy times of a finished deployment (the list gives them). */
  times: deploymentTimesSchema.optional(),
});
export type DeploymentSummary = z.infer<typeof deploymentSummarySchema>;
