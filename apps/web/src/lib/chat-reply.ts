import type { ChatAction, ChatIntent, Diagnosis } from '#contracts';

const KIND_LABELS: Record<string, string> = {
  set_env: 'set env',
  unset_env: 'unset env',
  update_settings: 'change settings',
  explain_failure: 'explain a failure',
  apply_patch: 'apply a patch',
  list_repos: 'list repositories',
  clarify: 'needs more',
};

/** What the agent understood, in a few words: `rollback · node-hello · revision 3f2a…`. */
export function intentParts(intent: ChatIntent): string[] {
  const parts = [KIND_LABELS[intent.kind] ?? intent.kind];
  if (intent.service) parts.push(intent.service);
  else if (intent.repoUrl) parts.push(intent.repoUrl.replace(/^https?:\/\/(www\.)?/, ''));
  if (intent.branch) parts.push(`branch ${intent.branch}`);
  if (intent.appPath) parts.push(`path ${intent.appPath}`);
  if (intent.revision) parts.push(`revision ${intent.revision.slice(0, 8)}`);
  if (intent.deploymentId) parts.push(`deployment ${intent.deploymentId.slice(0, 8)}`);
  if (intent.envNames?.length) parts.push(intent.envNames.join(', '));
  return parts;
}

/** The confirm button of a reply that accepts a diagnosis's proposed fix (the orchestrator labels them so). */
export function fixAction(diagnosis: Diagnosis, actions: readonly ChatAction[]): ChatAction | undefined {
  const { patch, settings } = fixActions(diagnosis, actions);
  return patch ?? settings;
}

/** A fix's buttons: the patch (the lasting fix) and the settings change, each where the reply offers it. */
export function fixActions(diagnosis: Diagnosis, actions: readonly ChatAction[]): { patch?: ChatAction; settings?: ChatAction } {
  const fix = diagnosis.fix;
  if (!fix) return {};
  const find = (label: string) => actions.find((action) => action.type === 'confirm' && action.label === label);
  return { patch: fix.patch ? find(`Apply patch to ${fix.patch.file}`) : undefined, settings: find(`Apply fix: ${fix.summary}`) };
}

/** The reply's text without its diff blocks when the fix panel shows those diffs itself. */
export function withoutDiffBlocks(content: string): string {
  return content.replace(/^```diff\n[\s\S]*?\n```\n?/gm, '');
}

/** Whether a confirm button still works (its `expiresAt` not passed). */
export function expired(action: ChatAction, now = Date.now()): boolean {
  return action.expiresAt !== undefined && Date.parse(action.expiresAt) <= now;
}
