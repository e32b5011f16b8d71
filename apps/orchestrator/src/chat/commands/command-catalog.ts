import { z } from 'zod';
import { serviceNameSchema } from '#contracts';
import {
  applyPatchInput,
  deploymentIdSchema,
  explainInput,
  logsInput,
  revisionSchema,
  serviceInput,
  setEnvInput,
  sourceInput,
  trafficInput,
  unsetEnvInput,
  updateSettingsInput,
} from './command-inputs.js';

export interface CommandDefinition<S extends z.ZodType = z.ZodType> {
  /** What the model reads to choose it. */
  description: string;
  input: S;
  /** Runs only from a confirmation button, never from a sentence alone. */
  destructive: boolean;
  /** Changes a service's settings or files: a proposal (from the model or a diagnosis) needs a confirmation too. */
  changesSettings: boolean;
}

function define<S extends z.ZodType>(definition: CommandDefinition<S>): CommandDefinition<S> {
  return definition;
}

/**
 * Every operation the chat agent can plan with, one entry per command of the orchestrator.
 * Plans name one of these and an input that passed its schema; the agent never does what a
 * command here cannot.
 */
export const COMMANDS = {
  analyze: define({
    description: 'Clone a repository (or read a local folder) and report what ServerGem detects: language, framework, commands, port, env vars, with evidence.',
    input: sourceInput,
    destructive: false,
    changesSettings: false,
  }),
  deploy: define({
    description: 'Build and deploy a repository or folder; the chat then streams every stage and log line until it is live or fails.',
    input: sourceInput,
    destructive: false,
    changesSettings: false,
  }),
  status: define({
    description:
      "List the user's services (running, crashed, stopped, with URLs) and their recent deployments, or one service. Also answers what a service uses: the memory and CPU time of a running local app (memoryBytes, cpuSeconds, processes, uptimeSeconds; null when not running); for Cloud Run its configured limits, since usage is not measured there.",
    input: z.object({ service: serviceNameSchema.optional() }),
    destructive: false,
    changesSettings: false,
  }),
  logs: define({
    description: "Show the last log lines of a service's running app, or the stored log of one deployment.",
    input: logsInput,
    destructive: false,
    changesSettings: false,
  }),
  rollback: define({
    description: 'Serve an earlier revision of a service again at the same URL (the previous one unless a revision is named).',
    input: serviceInput.extend({ revision: revisionSchema.optional() }),
    destructive: true,
    changesSettings: false,
  }),
  redeploy: define({
    description: "Deploy a service again from the source of its latest deployment, with the service's current settings.",
    input: serviceInput,
    destructive: false,
    changesSettings: false,
  }),
  cancel: define({
    description: 'Cancel a deployment that is still queued or running.',
    input: z.object({ deploymentId: deploymentIdSchema }),
    destructive: false,
    changesSettings: false,
  }),
  set_env: define({
    description:
      "Set runtime environment variables of a service (a new revision with the same build). Values the user typed as NAME=VALUE are hidden from you: pass them as the placeholder '$NAME'.",
    input: setEnvInput,
    destructive: false,
    changesSettings: true,
  }),
  unset_env: define({
    description: 'Remove environment variables from a service (a new revision with the same build; a rebuild when a build-time one is removed).',
    input: unsetEnvInput,
    destructive: false,
    changesSettings: true,
  }),
  update_settings: define({
    description: "Change a service's settings: start command, port, health-check path, Cloud Run resources, env vars; then redeploy it.",
    input: updateSettingsInput,
    destructive: false,
    changesSettings: true,
  }),
  stop: define({
    description: 'Stop a service: its app stops serving until it is deployed or rolled back again.',
    input: serviceInput,
    destructive: true,
    changesSettings: false,
  }),
  delete: define({
    description: 'Delete a service: its app, revisions and settings.',
    input: serviceInput,
    destructive: true,
    changesSettings: false,
  }),
  traffic: define({
    description: "Split a service's traffic between revisions by percent (adding up to 100).",
    input: trafficInput,
    destructive: true,
    changesSettings: false,
  }),
  list_repos: define({
    description: "List the GitHub repositories the user's token can see, newest push first (needs a GitHub token).",
    input: z.object({ query: z.string().trim().max(100).optional() }),
    destructive: false,
    changesSettings: false,
  }),
  explain_failure: define({
    description: 'Explain why a deployment failed, from its real log tail and analysis, with the evidence and a proposed fix where one exists.',
    input: explainInput,
    destructive: false,
    changesSettings: false,
  }),
  apply_patch: define({
    description: "Apply a proposed file change (a unified diff) to the app's source and redeploy.",
    input: applyPatchInput,
    destructive: false,
    changesSettings: true,
  }),
} as const;

export type CommandName = keyof typeof COMMANDS;
export type CommandInput<N extends CommandName> = z.output<(typeof COMMANDS)[N]['input']>;
/** One command with an input that passed its schema. */
export type CommandCall = { [N in CommandName]: { command: N; input: CommandInput<N> } }[CommandName];

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** Validates an input against its command's schema: the one check every planner's plan passes. */
export function checkCall(command: CommandName, input: unknown): { call: CommandCall } | { problems: string[] } {
  const parsed = COMMANDS[command].input.safeParse(input ?? {});
  if (!parsed.success) {
    return { problems: parsed.error.issues.slice(0, 5).map((i) => `${i.path.map(String).join('.') || 'input'}: ${i.message}`) };
  }
  return { call: { command, input: parsed.data } as CommandCall };
}
