import { z } from 'zod';
import { chatActionSchema, chatIntentSchema } from './chat.js';
import { errorCodeSchema } from './errors.js';
import type { ClientGithubBranches, ClientGithubRepos, ServerGithubBranches, ServerGithubRepos } from './github.subjects.js';
import { envMapSchema } from './service-settings.js';
import { stageSchema } from './stages.js';
import { multiLine, singleLine } from './text.js';

/** client -> server `message` */
export const clientMessageSchema = z.object({
  type: z.literal('message'),
  message: multiLine({ max: 10_000 }),
  context: z
    .object({
      /** `confirm` / `dismiss`: a button of an earlier reply was pressed; `actionId` says which. */
      action: z.enum(['deploy', 'analyze', 'chat', 'confirm', 'dismiss']).optional(),
      actionId: z.uuid().optional(),
      repoUrl: singleLine({ max: 2048 }).optional(),
      branch: singleLine({ max: 255 }).optional(),
      githubToken: singleLine({ max: 512 }).optional(),
      appPath: singleLine({ max: 1024 }).optional(),
      /** Settings a deploy brings along (`servergem deploy --env/--secret/--build-env/--build-secret`), applied to the service before it builds. */
      env: envMapSchema.optional(),
      buildEnv: envMapSchema.optional(),
      /** Secret values in clear on the way in only: the gateway seals them at once. */
      secrets: envMapSchema.optional(),
      /** Build-time secret values, in clear on the way in only and sealed at once like `secrets`. */
      buildSecrets: envMapSchema.optional(),
    })
    .optional(),
  clientMessageId: singleLine({ min: 1, max: 128 }).optional(),
  /** The chat session to continue (from an earlier reply's `metadata.sessionId`); without it, the latest one. */
  sessionId: z.uuid().optional(),
});
export type ClientMessage = z.infer<typeof clientMessageSchema>;

/** client -> server `subscribe` */
export const subscribeSchema = z.object({
  deploymentId: z.uuid(),
  afterSeq: z.number().int().min(0).default(0),
});
export type SubscribeRequest = z.infer<typeof subscribeSchema>;

/** server -> client `message` */
export const serverMessageSchema = z.object({
  type: z.literal('message'),
  data: z.object({
    content: z.string(),
    actions: z.array(chatActionSchema),
    /** `intent`: what the agent understood (every reply of this server has it). */
    metadata: z.looseObject({ intent: chatIntentSchema.optional() }),
  }),
});
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** server -> client `deployment_update` */
export const deploymentUpdateSchema = z.object({
  type: z.literal('deployment_update'),
  data: z.object({
    deploymentId: z.uuid(),
    seq: z.number().int().positive(),
    stage: stageSchema,
    progress: z.number().int().min(0).max(100),
    message: z.string(),
    logs: z.array(z.string()),
    /** When the event was stored (ISO 8601): clients show durations from it. */
    at: z.iso.datetime({ offset: true }),
  }),
});
export type DeploymentUpdate = z.infer<typeof deploymentUpdateSchema>;

/** server -> client `deployment_complete` */
export const deploymentCompleteSchema = z.object({
  type: z.literal('deployment_complete'),
  data: z.object({
    deploymentId: z.uuid(),
    url: z.string(),
    service_name: z.string(),
    region: z.string(),
    image: z.string(),
  }),
});
export type DeploymentComplete = z.infer<typeof deploymentCompleteSchema>;

/** server -> client `deployment_error` */
export const deploymentErrorSchema = z.object({
  type: z.literal('deployment_error'),
  data: z.object({
    deploymentId: z.uuid(),
    stage: stageSchema,
    code: errorCodeSchema,
    message: z.string(),
    hint: z.string(),
  }),
});
export type DeploymentError = z.infer<typeof deploymentErrorSchema>;

/** server -> client `request_error`: a message or subscription the server refused. */
export const requestErrorSchema = z.object({
  type: z.literal('request_error'),
  data: z.object({
    event: z.string(),
    code: errorCodeSchema,
    message: z.string(),
    hint: z.string().optional(),
  }),
});
export type RequestError = z.infer<typeof requestErrorSchema>;

export interface ServerToClientEvents {
  message: (payload: ServerMessage) => void;
  deployment_update: (payload: DeploymentUpdate) => void;
  deployment_complete: (payload: DeploymentComplete) => void;
  deployment_error: (payload: DeploymentError) => void;
  request_error: (payload: RequestError) => void;
  github_repos: (payload: ServerGithubRepos) => void;
  github_branches: (payload: ServerGithubBranches) => void;
}

export interface ClientToServerEvents {
  message: (payload: ClientMessage) => void;
  subscribe: (payload: SubscribeRequest) => void;
  github_repos: (payload: ClientGithubRepos) => void;
  github_branches: (payload: ClientGithubBranches) => void;
}

export const SOCKET_EVENTS = {
  message: 'message',
  subscribe: 'subscribe',
  deploymentUpdate: 'deployment_update',
  deploymentComplete: 'deployment_complete',
  deploymentError: 'deployment_error',
  requestError: 'request_error',
  githubRepos: 'github_repos',
  githubBranches: 'github_branches',
} as const;
