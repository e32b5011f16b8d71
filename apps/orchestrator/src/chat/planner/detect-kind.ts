import type { CommandName } from '../commands/command-catalog.js';
import type { MessageParts } from './message-parts.js';
import type { Token } from './read-words.js';

/** What a message asks for, before its arguments are read. */
export type Detected =
  | { type: 'command'; command: CommandName }
  | { type: 'choices'; commands: CommandName[] }
  | { type: 'help'; declined?: boolean }
  | { type: 'yes' }
  | { type: 'no' }
  | { type: 'repo-only' };

const REPO_NOUNS = new Set(['repos', 'repositories', 'projects']);
/** Commands one sentence may not ask for together without saying which. */
const EXCLUSIVE: CommandName[] = ['deploy', 'analyze', 'stop', 'delete', 'traffic', 'rollback', 'redeploy'];

/**
 * Decides the kind of a message from the concepts in it. Questions about failures win over the
 * verbs they mention ("why did my deploy fail?"), a specific verb over a general one ("cancel the
 * deploy", "roll back the release"), and two unrelated operations in one sentence are a question.
 */
export function detectKind(parts: MessageParts, present: Set<string>, negated: Set<string>, tokens: readonly Token[], pending: boolean): Detected {
  const has = (concept: string) => present.has(concept);
  const words = new Set(tokens.map((t) => t.word));
  const commandish = ['deploy', 'redeploy', 'analyze', 'rollback', 'cancel', 'stop', 'delete', 'unset', 'traffic', 'logs', 'explain'].some(has);

  if (pending) {
    if (has('no') || (has('cancel') && (has('pronoun') || tokens.length <= 2))) return { type: 'no' };
    if (has('yes') && !commandish) return { type: 'yes' };
  }
  if (parts.assignments.length > 0) return { type: 'command', command: 'set_env' };

  const envMentioned = has('env') || parts.envNames.length > 0;
  const found = new Set<CommandName>();
  if (has('explain') || has('why')) found.add('explain_failure');
  if (has('unset') || (has('delete') && envMentioned)) found.add('unset_env');
  else if (has('set') && envMentioned) found.add('set_env');
  if (has('cancel') || (has('stop') && (has('deployment') || has('deploy')))) found.add('cancel');
  else if (has('stop')) found.add('stop');
  if (has('logs')) found.add('logs');
  if (has('rollback') || (has('previous') && has('revision') && !has('logs') && !has('status'))) found.add('rollback');
  if (has('redeploy') || (has('deploy') && has('again'))) found.add('redeploy');
  if (has('delete') && !envMentioned) found.add('delete');
  if (has('traffic')) found.add('traffic');
  const reposAsked = [...REPO_NOUNS].some((w) => words.has(w)) || (has('repos') && has('list') && !parts.repos.length);
  if (reposAsked && parts.repos.length === 0 && parts.shorthands.length === 0) found.add('list_repos');
  if (has('analyze')) found.add('analyze');
  if (has('deploy')) found.add('deploy');

  // The most specific reading wins.
  for (const command of ['explain_failure', 'set_env', 'unset_env', 'cancel', 'logs'] as const) {
    if (found.has(command)) return { type: 'command', command };
  }
  if (found.has('rollback')) found.delete('deploy');
  if (found.has('redeploy')) found.delete('deploy');
  if (found.has('list_repos') && !parts.repos.length) {
    found.delete('deploy');
    found.delete('analyze');
  }
  if (found.has('deploy')) found.delete('analyze');
  // "The deploy broke", "did my deploy finish?": the deploy is the subject, not the request.
  if (found.has('deploy') && !parts.repos.length && !parts.shorthands.length && !has('pronoun')) {
    if (has('fail')) return { type: 'command', command: 'explain_failure' };
    if (has('status')) return { type: 'command', command: 'status' };
  }
  // "What have I deployed?" asks for a list, not a deployment.
  if (found.has('deploy') && parts.question && has('list') && !parts.repos.length && !has('pronoun')) return { type: 'command', command: 'status' };
  if (found.has('list_repos')) return { type: 'command', command: 'list_repos' };

  const exclusive = EXCLUSIVE.filter((c) => found.has(c));
  if (exclusive.length > 1) return { type: 'choices', commands: exclusive };
  if (exclusive.length === 1) return { type: 'command', command: exclusive[0]! };

  if (has('fail') || (has('happened') && parts.question)) return { type: 'command', command: 'explain_failure' };
  // "My site is down" reports a failure; "is it down?" asks for the status.
  if (has('down')) return { type: 'command', command: parts.question ? 'status' : 'explain_failure' };
  if (has('set') && words.has('port') && parts.port !== undefined) return { type: 'command', command: 'update_settings' };
  // "How much memory does api use?", "cpu of api": what a service uses is part of its status.
  if (has('status') || has('usage') || (has('list') && (has('services') || has('deployment'))) || (parts.question && (has('services') || has('deployment')))) {
    return { type: 'command', command: 'status' };
  }
  if (has('set') && (has('env') || parts.envNames.length > 0)) return { type: 'command', command: 'set_env' };
  if (parts.repos.length > 0 || parts.shorthands.length > 0) return { type: 'repo-only' };
  const declined = [...negated].some((c) => ['deploy', 'redeploy', 'rollback', 'stop', 'delete', 'cancel', 'analyze'].includes(c));
  return { type: 'help', declined };
}
