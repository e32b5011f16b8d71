import { z } from 'zod';
import { envMapSchema, envNameSchema, serviceNameSchema, settingsChangeSchema } from '#contracts';

/** A git branch as `git check-ref-format --branch` would take it, and nothing a shell or git option could read. */
export const branchNameSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9._/+-]+$/, 'a branch name is letters, digits and . _ / + -')
  .refine((b) => !b.startsWith('-') && !b.startsWith('/') && !b.endsWith('/') && !b.endsWith('.') && !b.endsWith('.lock'), 'not a valid branch name')
  .refine((b) => !b.includes('..') && !b.includes('//') && !b.includes('/.'), 'not a valid branch name');

/** An https repository URL or an absolute folder path; the analyzer applies the full source policy. */
export const repoRefSchema = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^(https:\/\/[^\s]+|\/[^\s]*)$/, 'an https:// repository URL or an absolute folder path')
  // eslint-disable-next-line no-control-regex
  .refine((v) => !/[\u0000-\u001f\u007f`$;|&<>]/.test(v), 'no shell or control characters');

export const appPathSchema = z
  .string()
  .max(1024)
  .regex(/^[A-Za-z0-9._/-]+$/, 'a sub-folder path')
  .refine((p) => !p.split('/').includes('..'), 'stays inside the repository');

export const deploymentIdSchema = z.uuid();
/** A revision as the deployer names them (a deployment id, or a prefix of one). */
export const revisionSchema = z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'a revision id');

export const sourceInput = z.object({
  repoUrl: repoRefSchema.describe('https URL of the git repository, or an absolute folder path on the server'),
  branch: branchNameSchema.optional().describe('branch to use; the default branch when absent'),
  appPath: appPathSchema.optional().describe('sub-folder holding the app, in a monorepo'),
});

export const serviceInput = z.object({ service: serviceNameSchema.describe('the service name, as `status` lists it') });

export const trafficInput = serviceInput.extend({
  splits: z
    .array(z.object({ revision: revisionSchema, percent: z.number().int().min(0).max(100) }))
    .min(1)
    .max(10)
    .refine((s) => s.reduce((sum, x) => sum + x.percent, 0) === 100, 'the percentages add up to 100'),
});

export const setEnvInput = serviceInput.extend({
  env: envMapSchema.refine((m) => Object.keys(m).length > 0, 'at least one variable').describe('NAME → value'),
  secret: z.boolean().optional().describe('store the values as secrets (write-only)'),
});

export const unsetEnvInput = serviceInput.extend({ names: z.array(envNameSchema).min(1).max(200) });

/** A start command anyone proposes (a person, a rule, the model) runs one program: no pipelines, downloads or escalation. */
const SHELL_TRICKS = /[|;&`$<>]|\b(curl|wget|sudo|su|eval|bash -c|sh -c)\b/;

export const updateSettingsInput = serviceInput.extend({
  change: settingsChangeSchema.refine(
    (c) => typeof c.startCommand !== 'string' || !SHELL_TRICKS.test(c.startCommand),
    'a start command runs one program: no pipes, ";", "&&", "$(…)", downloads or sudo',
  ),
});

export const logsInput = z
  .object({
    service: serviceNameSchema.optional(),
    deploymentId: deploymentIdSchema.optional().describe("a deployment whose stored log to show instead of the service's app log"),
    tail: z.number().int().min(1).max(500).optional(),
  })
  .refine((i) => i.service !== undefined || i.deploymentId !== undefined, 'name a service or a deployment');

export const explainInput = z.object({
  deploymentId: deploymentIdSchema.optional().describe('the failed deployment; the latest failed one when absent'),
  service: serviceNameSchema.optional(),
});

export const applyPatchInput = z.object({
  deploymentId: deploymentIdSchema,
  file: appPathSchema,
  diff: z.string().min(1).max(20_000),
});
