import type { ChatAction } from '#contracts';
import { checkCall, type CommandName } from '../commands/command-catalog.js';
import type { ChatFocus } from '../session/chat-focus.js';
import { detectKind } from './detect-kind.js';
import { HELP, SHELL_REFUSAL } from './help-text.js';
import { isOrdinaryWord, nearestName } from './lexicon.js';
import { MAX_PLANNED_LENGTH, messageParts, type MessageParts } from './message-parts.js';
import { quote, replyButton, replyPlan, type Plan } from './plan.js';
import { conceptsOf, readWords, type Token } from './read-words.js';
import { restate } from './restate.js';

export interface PlannerTurn {
  message: string;
  focus: ChatFocus;
  /** The names of the owner's services. */
  services: readonly string[];
  /** What the UI has selected alongside the message. */
  selected?: { repoUrl?: string; branch?: string; appPath?: string };
}

const SLUG = /^[a-z][a-z0-9-]{0,48}$/;
const REFERENCE_WORDS = new Set(['app', 'application', 'repo', 'repository', 'project', 'code', 'site', 'service', 'thing']);
const QUERY_MARKERS = new Set(['named', 'called', 'matching', 'containing', 'with', 'about']);

/**
 * The deterministic planner: plain English to one command and its input, with the session's
 * focus standing in for "it" and "that". It never runs anything, never guesses: what is missing
 * or ambiguous becomes a question with buttons.
 */
export function planMessage(turn: PlannerTurn): Plan {
  const text = turn.message.trim();
  if (text.length === 0) return replyPlan({ kind: 'help' }, HELP);
  if (text.length > MAX_PLANNED_LENGTH) {
    return replyPlan(
      { kind: 'clarify' },
      `That message is too long for me to act on (${text.length} characters). Tell me in one sentence what you want — for example "deploy https://github.com/owner/repo".`,
    );
  }
  const parts = messageParts(text);
  const services = new Set(turn.services);
  const tokens = readWords(parts.words, services);
  const { present, negated } = conceptsOf(tokens);
  const detected = detectKind(parts, present, negated, tokens, turn.focus.pendingConfirmationId !== undefined);

  switch (detected.type) {
    case 'yes':
    case 'no':
      return { type: 'pending', decision: detected.type === 'no' ? 'dismiss' : 'remind' };
    case 'help':
      if (parts.shellLike) return replyPlan({ kind: 'help' }, `${SHELL_REFUSAL}\n\n${HELP}`);
      return replyPlan({ kind: 'help' }, detected.declined ? 'Okay — I will not do anything.' : HELP);
    case 'repo-only':
      return repoOnly(parts);
    case 'choices':
      return replyPlan(
        { kind: 'clarify' },
        `I read more than one thing to do there (${detected.commands.map((c) => c.replace('_', ' ')).join(', ')}). Which one first? One at a time keeps it safe.`,
        detected.commands.map((c) => replyButton(c.replace('_', ' '), c.replace('_', ' '))),
      );
    case 'command': {
      const plan = build(detected.command, parts, tokens, present, turn);
      if (plan.type === 'call' && parts.shellLike) {
        const sentence = restate(plan.call);
        return replyPlan(
          { kind: 'clarify' },
          `${SHELL_REFUSAL} Part of your message reads like shell syntax, so I did not act on it.${sentence ? ' Did you mean this?' : ''}`,
          sentence ? [replyButton(sentence, sentence, 'primary')] : [],
        );
      }
      return plan;
    }
  }
}

function build(command: CommandName, parts: MessageParts, tokens: Token[], present: Set<string>, turn: PlannerTurn): Plan {
  const { focus } = turn;
  const referenced = present.has('pronoun') || present.has('again') || tokens.some((t) => REFERENCE_WORDS.has(t.word));
  const service = serviceOf(tokens, turn);
  if (service.misspelt) {
    const again = turn.message.replace(new RegExp(service.misspelt.word, 'g'), service.misspelt.near);
    return replyPlan(
      { kind: 'clarify', service: service.misspelt.near },
      `There is no service called ${quote(service.misspelt.word)}. Did you mean **${service.misspelt.near}**?`,
      [replyButton(`Yes, ${service.misspelt.near}`, again.slice(0, 2000), 'primary')],
    );
  }
  const named = service.name;
  const focused = named ?? focus.service;

  switch (command) {
    case 'deploy':
    case 'analyze': {
      if (command === 'deploy' && !parts.repos.length && service.known && named) return call('redeploy', { service: named });
      return source(command, parts, referenced, turn);
    }
    case 'status': {
      const target = named ?? (present.has('pronoun') ? focus.service : undefined);
      return call('status', target ? { service: target } : {});
    }
    case 'logs':
      if (parts.uuids[0] && !named) return call('logs', { deploymentId: parts.uuids[0] });
      return focused ? call('logs', { service: focused }) : whichService('logs', 'Whose logs?', turn);
    case 'rollback': {
      const revision = revisionOf(tokens, parts);
      return focused ? call('rollback', { service: focused, ...(revision ? { revision } : {}) }) : whichService('rollback', 'Roll back which service?', turn);
    }
    case 'redeploy':
    case 'stop':
    case 'delete':
      return focused ? call(command, { service: focused }) : whichService(command, `${capital(command)} which service?`, turn);
    case 'cancel': {
      const deploymentId = parts.uuids[0] ?? focus.deploymentId;
      if (deploymentId) return call('cancel', { deploymentId });
      return replyPlan({ kind: 'clarify' }, 'Cancel which deployment? I have none in this conversation. `status` lists the ones running.', [
        replyButton('Show status', 'status'),
      ]);
    }
    case 'explain_failure':
      return call('explain_failure', { ...(parts.uuids[0] ? { deploymentId: parts.uuids[0] } : {}), ...(named ? { service: named } : {}) });
    case 'list_repos': {
      const query = queryOf(tokens);
      return call('list_repos', query ? { query } : {});
    }
    case 'set_env':
      return setEnv(parts, named, present, turn);
    case 'unset_env': {
      const names = parts.envNames;
      if (!names.length) return replyPlan({ kind: 'clarify' }, 'Which variables should I remove? Name them in capitals, e.g. `unset DEBUG on api`.');
      const target = named ?? focus.service;
      return target
        ? call('unset_env', { service: target, names })
        : whichService('unset_env', `Remove ${names.join(', ')} from which service?`, turn, `unset ${names.join(' ')} on`);
    }
    case 'traffic': {
      const splits = splitsOf(turn.message);
      if (!focused || !splits.length) {
        return replyPlan(
          { kind: 'clarify', ...(focused ? { service: focused } : {}) },
          'Tell me the split by revision, e.g. `traffic api 90% to 4f1c2a and 10% to 9b7e31` (the percentages add up to 100).',
        );
      }
      return call('traffic', { service: focused, splits });
    }
    case 'update_settings':
      // Only the port is read from a sentence ("change the port of api to 8080"); other settings come as fixes.
      return focused && parts.port !== undefined
        ? call('update_settings', { service: focused, change: { port: parts.port } })
        : whichService('update_settings', 'Change the port of which service?', turn, `set port ${parts.port ?? ''} on`);
    case 'apply_patch':
      // Offered only as fixes from a diagnosis, never read from a sentence.
      return replyPlan({ kind: 'help' }, HELP);
  }
}

function call(command: CommandName, input: unknown): Plan {
  const checked = checkCall(command, input);
  if ('call' in checked) return { type: 'call', call: checked.call };
  return replyPlan({ kind: 'clarify' }, `I understood **${command.replace('_', ' ')}**, but cannot use what you gave me: ${checked.problems.join('; ')}.`);
}

function source(command: 'deploy' | 'analyze', parts: MessageParts, referenced: boolean, turn: PlannerTurn): Plan {
  const verb = command === 'deploy' ? 'Deploy' : 'Analyze';
  if (parts.badBranch) {
    return replyPlan(
      { kind: 'clarify' },
      `${quote(parts.badBranch)} is not a branch name I can use (letters, digits and \`. _ / + -\`, not starting with \`-\`). Which branch?`,
    );
  }
  if (parts.repos.length > 1) {
    return replyPlan(
      { kind: 'clarify' },
      `${verb} which one?`,
      parts.repos.slice(0, 4).map((repo) => replyButton(repo, sentence(command, repo, parts.branch))),
    );
  }
  const repo = parts.repos[0];
  if (repo) {
    if (!repo.startsWith('https://') && !repo.startsWith('/')) {
      return replyPlan(
        { kind: 'clarify', repoUrl: repo },
        `I can only fetch repositories over https. Did you mean ${quote(repo.replace(/^http:/, 'https:'))}?`,
        [replyButton(`${verb} over https`, sentence(command, repo.replace(/^http:/, 'https:'), parts.branch), 'primary')],
      );
    }
    return call(command, { repoUrl: repo, ...(parts.branch ? { branch: parts.branch } : {}) });
  }
  const shorthand = parts.shorthands[0];
  if (shorthand) {
    const url = `https://github.com/${shorthand.replace(/\.git$/, '')}`;
    return replyPlan(
      { kind: 'clarify', repoUrl: url },
      `Did you mean the GitHub repository **${shorthand}**? For a folder on this machine, give its absolute path.`,
      [replyButton(`${verb} github.com/${shorthand}`, sentence(command, url, parts.branch), 'primary')],
    );
  }
  const remembered = turn.selected?.repoUrl
    ? { repoUrl: turn.selected.repoUrl, branch: turn.selected.branch, appPath: turn.selected.appPath }
    : (turn.focus.analysis ?? (turn.focus.repoUrl ? { repoUrl: turn.focus.repoUrl, branch: turn.focus.branch, appPath: turn.focus.appPath } : undefined));
  if (remembered && (referenced || turn.selected?.repoUrl)) {
    const branch = parts.branch ?? remembered.branch;
    return call(command, { repoUrl: remembered.repoUrl, ...(branch ? { branch } : {}), ...(remembered.appPath ? { appPath: remembered.appPath } : {}) });
  }
  const question = `${verb} which repository? Give me its URL (\`https://github.com/owner/repo\`)${command === 'deploy' ? ' or a folder path' : ''}.`;
  return replyPlan(
    { kind: 'clarify', ...(parts.branch ? { branch: parts.branch } : {}) },
    question,
    remembered ? [replyButton(`${verb} ${remembered.repoUrl}`, sentence(command, remembered.repoUrl, parts.branch ?? remembered.branch), 'primary')] : [],
  );
}

function setEnv(parts: MessageParts, named: string | undefined, present: Set<string>, turn: PlannerTurn): Plan {
  const awaiting = turn.focus.awaitingValues;
  if (!parts.assignments.length) {
    const names = parts.envNames;
    const target = named ?? turn.focus.service;
    const example = `${names[0] ?? 'NAME'}=value${target ? ` on ${target}` : ''}`;
    return replyPlan(
      { kind: 'clarify', ...(target ? { service: target } : {}), ...(names.length ? { envNames: names } : {}) },
      `What value should ${names.length ? names.join(', ') : 'the variable'} have? Reply \`${example}\`.`,
      [{ id: 'prompt:set', label: `Set ${names[0] ?? 'a variable'}…`, type: 'prompt', message: `set ${example.replace('value', '')}`, style: 'primary' }],
    );
  }
  const empty = parts.assignments.filter((a) => a.value === '').map((a) => a.name);
  if (empty.length) {
    // "GREETING=" sent from a prompt button before the value was typed.
    return replyPlan({ kind: 'clarify', envNames: empty }, `${empty.join(', ')} needs a value after the \`=\`, e.g. \`${empty[0]}=hello\`.`);
  }
  const env = Object.fromEntries(parts.assignments.map((a) => [a.name, a.value]));
  const forAwaited = awaiting && parts.assignments.every((a) => awaiting.names.includes(a.name)) ? awaiting.service : undefined;
  const target = named ?? forAwaited ?? turn.focus.service;
  const secret = present.has('env') && /\bsecrets?\b/i.test(turn.message) ? { secret: true } : {};
  if (!target) {
    const names = Object.keys(env).join(', ');
    return whichService('set_env', `Set ${names} on which service?`, turn, undefined, Object.keys(env));
  }
  return call('set_env', { service: target, env, ...secret });
}

function whichService(command: CommandName, question: string, turn: PlannerTurn, prefix?: string, envNames?: string[]): Plan {
  const buttons: ChatAction[] =
    command === 'set_env'
      ? []
      : turn.services.slice(0, 5).map((name) => {
          const message = prefix ? `${prefix} ${name}` : `${command.replace('_', ' ')} ${name}`;
          return replyButton(name, message);
        });
  const hint = turn.services.length ? '' : ' You have no services yet — deploy one first.';
  const extra = command === 'set_env' ? ' Add `on <service>` to your message.' : '';
  return replyPlan({ kind: 'clarify', ...(envNames ? { envNames } : {}) }, `${question}${extra}${hint}`, buttons);
}

function repoOnly(parts: MessageParts): Plan {
  const repo = parts.repos[0] ?? `https://github.com/${parts.shorthands[0]!}`;
  return replyPlan({ kind: 'clarify', repoUrl: repo, ...(parts.branch ? { branch: parts.branch } : {}) }, `What should I do with ${quote(repo, 200)}?`, [
    replyButton('Analyze it', sentence('analyze', repo, parts.branch)),
    replyButton('Deploy it', sentence('deploy', repo, parts.branch), 'primary'),
  ]);
}

interface ServiceMention {
  name?: string;
  known: boolean;
  misspelt?: { word: string; near: string };
}

/** A service the message names: one of the owner's, else a single unknown name-like word. */
function serviceOf(tokens: Token[], turn: PlannerTurn): ServiceMention {
  const known = tokens.find((t) => t.isService);
  if (known) return { name: known.word, known: true };
  const candidates = tokens.filter((t) => t.concept === t.word && SLUG.test(t.word) && !isOrdinaryWord(t.word) && !/^[0-9a-f]{4,}$/.test(t.word));
  if (candidates.length !== 1) return { known: false };
  const word = candidates[0]!.word;
  const near = nearestName(word, turn.services);
  if (near) return { known: false, misspelt: { word, near } };
  return { name: word, known: false };
}

function revisionOf(tokens: Token[], parts: MessageParts): string | undefined {
  if (parts.uuids[0]) return parts.uuids[0];
  for (let i = 0; i < tokens.length - 1; i++) {
    const next = tokens[i + 1]!.word;
    if ((tokens[i]!.concept === 'to' || tokens[i]!.concept === 'revision') && /^[0-9a-f][0-9a-f-]{3,99}$/.test(next) && /[0-9]/.test(next)) return next;
  }
  return undefined;
}

function queryOf(tokens: Token[]): string | undefined {
  for (let i = 0; i < tokens.length - 1; i++) {
    if (QUERY_MARKERS.has(tokens[i]!.word)) return tokens[i + 1]!.word;
  }
  return undefined;
}

function splitsOf(message: string): { revision: string; percent: number }[] {
  const splits: { revision: string; percent: number }[] = [];
  for (const m of message.matchAll(/(\d{1,3})\s*%[^0-9%]*?\b([a-z0-9-]*[0-9][a-z0-9-]*)/gi)) {
    if (m[2]!.length < 4) continue;
    splits.push({ percent: Number(m[1]), revision: m[2]!.toLowerCase() });
  }
  return splits;
}

function sentence(command: 'deploy' | 'analyze', repo: string, branch: string | undefined): string {
  return `${command} ${repo}${branch ? ` (branch: ${branch})` : ''}`;
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
