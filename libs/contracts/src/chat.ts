import { z } from 'zod';
import { settingsChangeSchema } from './service-settings.js';

/**
 * What the chat agent understood a message to ask for. The operations' own names, plus `help`
 * (nothing to do), `clarify` (something is missing or ambiguous: the reply asks) and `dismiss`
 * (the user declined a confirmation).
 */
export const CHAT_INTENT_KINDS = [
  'deploy',
  'analyze',
  'status',
  'logs',
  'rollback',
  'redeploy',
  'cancel',
  'set_env',
  'unset_env',
  'update_settings',
  'stop',
  'delete',
  'traffic',
  'explain_failure',
  'apply_patch',
  'list_repos',
  'help',
  'clarify',
  'dismiss',
] as const;
export const chatIntentKindSchema = z.enum(CHAT_INTENT_KINDS);
export type ChatIntentKind = z.infer<typeof chatIntentKindSchema>;

/** `metadata.intent` of every chat reply. Names of env vars only, never their values. */
export const chatIntentSchema = z.object({
  kind: chatIntentKindSchema,
  repoUrl: z.string().optional(),
  branch: z.string().optional(),
  appPath: z.string().optional(),
  service: z.string().optional(),
  revision: z.string().optional(),
  deploymentId: z.string().optional(),
  envNames: z.array(z.string()).optional(),
  /** Which planner understood it. */
  planner: z.enum(['deterministic', 'gemini', 'action']).optional(),
  /** `required`: the reply holds a confirmation button and nothing ran yet; `confirmed`: a pressed button ran it. */
  confirmation: z.enum(['required', 'confirmed']).optional(),
});
export type ChatIntent = z.infer<typeof chatIntentSchema>;

/**
 * A button under a reply. `confirm` / `dismiss` send `context: { action, actionId }` back;
 * `reply` sends `message` as the user's next message; `prompt` puts `message` in the input box for
 * the user to finish (a value only they know); `deploy` is the UI's own deploy action.
 */
export const chatActionSchema = z.object({
  id: z.string(),
  label: z.string(),
  type: z.string(),
  style: z.enum(['primary', 'secondary', 'danger']).optional(),
  message: z.string().max(2000).optional(),
  /** Until when a `confirm` button works (ISO 8601). */
  expiresAt: z.string().optional(),
});
export type ChatAction = z.infer<typeof chatActionSchema>;

export const filePatchSchema = z.object({
  file: z.string(),
  /** A unified diff, as `git apply` reads it. */
  diff: z.string(),
});
export type FilePatch = z.infer<typeof filePatchSchema>;

/** A failed deployment explained: which rule matched, the log lines that show it, and a fix where one exists. */
export const diagnosisSchema = z.object({
  rule: z.string(),
  title: z.string(),
  explanation: z.string(),
  evidence: z.array(z.string()),
  fix: z
    .object({
      summary: z.string(),
      settings: settingsChangeSchema.optional(),
      patch: filePatchSchema.optional(),
      /** Env vars whose values only the user knows: the fix asks for them. */
      needsValues: z.array(z.string()).optional(),
    })
    .optional(),
});
export type Diagnosis = z.infer<typeof diagnosisSchema>;

/** Fields of `metadata` every reply has; the rest is per command. */
export const chatReplyMetadataSchema = z.looseObject({ intent: chatIntentSchema });
