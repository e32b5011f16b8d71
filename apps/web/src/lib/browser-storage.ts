import { z } from 'zod';
import { chatActionSchema, chatIntentSchema, diagnosisSchema } from '#contracts';
import { deploymentStateSchema, type DeploymentState } from './deployment-state';

const DEPLOYMENT_KEY = 'servergem.deployment';
const GITHUB_TOKEN_KEY = 'servergem.githubToken';
const ACCESS_TOKEN_KEY = 'servergem.accessToken';
const CHAT_KEY = 'servergem.chat';
// Enough conversation to pick up after a reload without letting the tab's storage grow forever.
const CHAT_KEPT = 200;

const chatEntrySchema = z.object({
  id: z.string(),
  from: z.enum(['user', 'agent', 'error']),
  content: z.string(),
  hint: z.string().optional(),
  /** The reply's buttons, what the agent understood, and the failures it explained. */
  actions: z.array(chatActionSchema).optional(),
  intent: chatIntentSchema.optional(),
  diagnoses: z.array(diagnosisSchema).optional(),
  /** The button of this reply that was pressed (`type:id`): its confirmation is answered, the others are spent. */
  answered: z.string().optional(),
});
export type StoredChatEntry = z.infer<typeof chatEntrySchema>;

// Storage can throw (private mode, quota, disabled cookies); the page must keep working without it.
function read(storage: () => Storage, key: string): string | null {
  try {
    return storage().getItem(key);
  } catch {
    return null;
  }
}

function write(storage: () => Storage, key: string, value: string | null): void {
  try {
    if (value === null) storage().removeItem(key);
    else storage().setItem(key, value);
  } catch {
    // Quota exceeded: the next reload replays from the server instead.
  }
}

const local = () => window.localStorage;
const session = () => window.sessionStorage;

export const githubTokenStore = {
  get: (): string => read(local, GITHUB_TOKEN_KEY) ?? '',
  set: (token: string): void => write(local, GITHUB_TOKEN_KEY, token || null),
};

export const accessTokenStore = {
  get: (): string => read(local, ACCESS_TOKEN_KEY) ?? '',
  set: (token: string): void => write(local, ACCESS_TOKEN_KEY, token || null),
};

function parse<T>(raw: string | null, schema: z.ZodType<T>): T | null {
  if (!raw) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The conversation of this tab. */
export const chatStore = {
  load: (): StoredChatEntry[] => parse(read(session, CHAT_KEY), z.array(chatEntrySchema)) ?? [],
  save: (entries: readonly StoredChatEntry[]): void => write(session, CHAT_KEY, entries.length > 0 ? JSON.stringify(entries.slice(-CHAT_KEPT)) : null),
};

/** The deployment being watched, with its lines and `lastSeq` saved together so they always agree. */
export const deploymentStore = {
  load: (): DeploymentState | null => parse(read(session, DEPLOYMENT_KEY), deploymentStateSchema),
  save(state: DeploymentState | null): void {
    write(session, DEPLOYMENT_KEY, state ? JSON.stringify(state) : null);
  },
};
