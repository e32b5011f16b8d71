import { z } from 'zod';

/**
 * What a conversation is about right now, so "deploy it", "cancel that" and "roll it back" mean
 * something. Stored with the session; names and ids only, never an env value.
 */
export const chatFocusSchema = z.object({
  repoUrl: z.string().optional(),
  branch: z.string().optional(),
  appPath: z.string().optional(),
  service: z.string().optional(),
  /** The deployment the chat last started or looked at. */
  deploymentId: z.string().optional(),
  /** The latest deployment of this conversation that failed. */
  failedDeploymentId: z.string().optional(),
  analysis: z
    .object({
      repoUrl: z.string(),
      branch: z.string().optional(),
      appPath: z.string().optional(),
      commitSha: z.string().nullable(),
      language: z.string(),
      framework: z.string().nullable(),
    })
    .optional(),
  /** Env vars whose values the last reply asked for, and the service they are for. */
  awaitingValues: z.object({ service: z.string(), names: z.array(z.string()) }).optional(),
  /** The confirmation button the last reply offered, so a typed "yes" can point at it and "no" can dismiss it. */
  pendingConfirmationId: z.string().optional(),
});
export type ChatFocus = z.infer<typeof chatFocusSchema>;

/** A change to the focus: fields set to undefined are cleared. */
export type FocusUpdate = Partial<ChatFocus>;

export function applyFocus(focus: ChatFocus, update: FocusUpdate | undefined): ChatFocus {
  if (!update) return focus;
  const next: Record<string, unknown> = { ...focus };
  for (const [key, value] of Object.entries(update)) {
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return chatFocusSchema.parse(next);
}

/** A stored focus that no longer parses (an older shape) is forgotten rather than trusted. */
export function readFocus(stored: unknown): ChatFocus {
  const parsed = chatFocusSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : {};
}
