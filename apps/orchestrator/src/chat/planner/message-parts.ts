import { ASSIGNMENT, SET_TO } from '#contracts';

export { maskValues } from '#contracts';

/** Longer messages are not planned from: nobody asks for one operation in a page of text. */
export const MAX_PLANNED_LENGTH = 1000;

export interface Assignment {
  name: string;
  value: string;
}

/** The pieces of a message a plan can use, taken out before the words are read. */
export interface MessageParts {
  /** https URLs and absolute paths, normalised (github.com/x/y → https://github.com/x/y). */
  repos: string[];
  /** `owner/name` with no host: possibly GitHub, possibly a relative folder; never guessed. */
  shorthands: string[];
  /** A branch named in the text (`from the dev branch`, `branch dev`, `(branch: main)`, `/tree/dev`). */
  branch?: string;
  /** A branch was named but is not a valid branch name. */
  badBranch?: string;
  assignments: Assignment[];
  /** ALL_CAPS words that may be env var names. */
  envNames: string[];
  uuids: string[];
  /** A port number given with the word "port" ("change the port to 8080"). */
  port?: number;
  /** Lower-case words with what was taken out removed, contractions expanded. */
  words: string[];
  /** Shell syntax outside what was taken out: `;`, `|`, `&&`, backticks, `$(`, redirections, HTML tags. */
  shellLike: boolean;
  question: boolean;
}

const URL = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const BARE_HOST =
  /(?<![\w./-])(?:www\.)?(github\.com|gitlab\.com|bitbucket\.org)\/[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+(?:\/tree\/[A-Za-z0-9._/+-]+|@[A-Za-z0-9._/+-]+)?/gi;
const SSH = /\bgit@(github\.com|gitlab\.com|bitbucket\.org):([A-Za-z0-9._-]+\/[A-Za-z0-9._-]+?)(?:\.git)?(?=$|[\s,;)])/gi;
const ABSOLUTE_PATH = /(?<![\w.:/<-])\/(?:[A-Za-z0-9._-]+\/?)+/g;
const SHORTHAND = /(?<![\w./:@-])[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}(?![\w/])/g;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const ENV_NAME = /(?<![\w$])[A-Z][A-Z0-9]*_[A-Z0-9_]+|(?<![\w$])[A-Z]{2,}[0-9]*(?![\w])/g;
/** ALL_CAPS words that are words, not variables. */
const NOT_ENV = new Set([
  'OK',
  'URL',
  'API',
  'UI',
  'CLI',
  'HTTP',
  'HTTPS',
  'JSON',
  'ID',
  'PR',
  'AI',
  'ASAP',
  'PLEASE',
  'PORT',
  'README',
  'ENV',
  'NOW',
  'GIT',
  'SSH',
  'DNS',
  'CPU',
  'RAM',
  'OOM',
]);

/** Without the word "branch", only names that are branches by convention ("deploy it from main"). */
const CONVENTIONAL_BRANCH =
  /\b(?:on|from|off|of)\s+(main|master|trunk|dev|develop|development|staging|next|canary|beta|(?:release|feature|hotfix|fix)\/[A-Za-z0-9._/+-]+)\b/i;
const BRANCH_PATTERNS = [
  /\(\s*branch\s*[:=]\s*([^\s)]+)\s*\)/i,
  /--branch[= ]\s*(\S+)/i,
  /(?:^|\s)-b\s+(\S+)/,
  /\bbranch\s*[:=]\s*["'`]?([^\s"'`,;()]+)/i,
  /\b(?:from|on|of|off|using|use|at|with|in)\s+(?:the\s+|my\s+|our\s+)?["'`]?([^\s"'`,;()]+?)["'`]?\s+branch\b/i,
  /\bbranch\s+(?:called\s+|named\s+)?["'`]?([^\s"'`,;()?!]+)/i,
  /(?:^|\s)["'`]?([^\s"'`,;()]+?)["'`]?\s+branch\b/i,
  CONVENTIONAL_BRANCH,
];
/** Words that follow or precede "branch" without naming one. */
const NOT_BRANCH = new Set([
  'the',
  'a',
  'an',
  'my',
  'this',
  'that',
  'which',
  'what',
  'default',
  'main?',
  'is',
  'of',
  'to',
  'and',
  'or',
  'for',
  'from',
  'on',
  'please',
  'name',
  'same',
  'another',
  'other',
  'different',
  'new',
  'its',
  'it',
  'your',
  'our',
  'one',
  'some',
  'any',
  'each',
  'every',
  'current',
  'right',
  'correct',
  'wrong',
]);

const CONTRACTIONS: [RegExp, string][] = [
  [/\bwhat'?s\b/g, 'what is'],
  [/\bwho'?s\b/g, 'who is'],
  [/\bhow'?s\b/g, 'how is'],
  [/\bwhere'?s\b/g, 'where is'],
  [/\bit'?s\b/g, 'it is'],
  [/\bthat'?s\b/g, 'that is'],
  [/\bcan'?t\b/g, 'can not'],
  [/\bwon'?t\b/g, 'will not'],
  [/\b(do|does|did|is|are|was|were|has|have|had|should|would|could|must)n'?t\b/g, '$1 not'],
  [/\bi'?m\b/g, 'i am'],
  [/\b(i|you|we|they)'d\b/g, '$1 would'],
  [/\b(i|you|we|they)'ll\b/g, '$1 will'],
  [/\b(i|you|we|they)'ve\b/g, '$1 have'],
  [/\blet'?s\b/g, 'let us'],
  [/'s\b/g, ''],
];
const QUESTION_START = /^(why|what|how|is|are|was|were|did|does|do|can|could|has|have|which|where|when|who|will|would|should)\b/;

/** Takes a message apart into what a plan can use; never throws, linear in the message. */
export function messageParts(message: string): MessageParts {
  let rest = message.normalize('NFKC');
  const repos: string[] = [];
  const take = (pattern: RegExp, use: (match: RegExpExecArray) => void) => {
    rest = rest.replace(pattern, (...args: unknown[]) => {
      const match = args.slice(0, -2) as unknown as RegExpExecArray;
      use(match);
      return ' ';
    });
  };

  let branch: string | undefined;
  const assignments: Assignment[] = [];
  take(SET_TO, (m) => assignments.push({ name: m[1]!, value: m[3] ?? m[4] ?? m[5] ?? '' }));
  take(ASSIGNMENT, (m) => assignments.push({ name: m[1]!, value: m[3] ?? m[4] ?? m[5] ?? '' }));
  take(URL, (m) => {
    const { url, branch: fromUrl } = normaliseUrl(trimTrailing(m[0]!));
    repos.push(url);
    branch ??= fromUrl;
  });
  take(SSH, (m) => repos.push(`https://${m[1]!.toLowerCase()}/${m[2]!}`));
  take(BARE_HOST, (m) => {
    const { url, branch: fromUrl } = normaliseUrl(`https://${trimTrailing(m[0]!).replace(/^www\./i, '')}`);
    repos.push(url);
    branch ??= fromUrl;
  });

  let badBranch: string | undefined;
  const aboutSource = repos.length > 0 || /\b(deploy|ship|launch|publish|analy[sz]e|inspect)/i.test(rest);
  for (const pattern of BRANCH_PATTERNS) {
    // A bare "from main" names a branch only when the message is about a source ("logs of staging" names a service).
    if (pattern === CONVENTIONAL_BRANCH && !aboutSource) continue;
    const match = pattern.exec(rest);
    if (!match) continue;
    const candidate = trimTrailing(match[1]!.replace(/^["'`]|["'`]$/g, ''));
    if (NOT_BRANCH.has(candidate.toLowerCase())) continue;
    rest = rest.slice(0, match.index) + ' ' + rest.slice(match.index + match[0].length);
    if (isBranchName(candidate)) branch ??= candidate;
    else badBranch = candidate;
    break;
  }

  take(ABSOLUTE_PATH, (m) => {
    const path = trimTrailing(m[0]!);
    if (path.length > 1) repos.push(path.replace(/\/+$/, '') || '/');
  });
  const shorthands: string[] = [];
  take(SHORTHAND, (m) => shorthands.push(trimTrailing(m[0]!)));
  const uuids: string[] = [];
  take(UUID, (m) => uuids.push(m[0]!.toLowerCase()));
  const portMatch = /\bport\b[^0-9]{0,30}?\b(\d{2,5})\b/i.exec(rest);
  const port = portMatch && Number(portMatch[1]) >= 1 && Number(portMatch[1]) <= 65535 ? Number(portMatch[1]) : undefined;
  const envNames = [...new Set([...rest.matchAll(ENV_NAME)].map((m) => m[0]).filter((n) => !NOT_ENV.has(n)))];
  // A variable's name is not a word of the sentence ("unset DEBUG" does not ask to debug), unless
  // the whole message is in capitals.
  if (/[a-z]/.test(rest)) rest = rest.replace(ENV_NAME, (name) => (NOT_ENV.has(name) ? name : ' '));

  const shellLike = /[;|`<>]|&&|\$\(|\$\{|\]\(|javascript:|\brm\s+-|\bsudo\b|\bchmod\b|\bcurl\b|\bwget\b/i.test(rest);
  let text = rest.toLowerCase().replace(/[\u2018\u2019]/g, "'");
  for (const [pattern, replacement] of CONTRACTIONS) text = text.replace(pattern, replacement);
  const words = text.match(/[a-z0-9][a-z0-9-]*[a-z0-9]|[a-z0-9]|%/g) ?? [];
  const question = /\?\s*$/.test(message.trim()) || QUESTION_START.test(words.join(' '));
  return { repos: [...new Set(repos)], shorthands, branch, badBranch, assignments, envNames, uuids, port, words, shellLike, question };
}

export function isBranchName(b: string): boolean {
  return (
    /^[A-Za-z0-9._/+-]{1,255}$/.test(b) &&
    !b.startsWith('-') &&
    !b.startsWith('/') &&
    !b.endsWith('/') &&
    !b.endsWith('.') &&
    !b.endsWith('.lock') &&
    !b.includes('..') &&
    !b.includes('//')
  );
}

function trimTrailing(text: string): string {
  return text.replace(/[.,;:!?)\]}'"`]+$/, '');
}

/** `http://github.com/x/y/tree/dev` → `https://github.com/x/y` on branch `dev`; other URLs as they are. */
function normaliseUrl(raw: string): { url: string; branch?: string } {
  const github =
    /^https?:\/\/(?:www\.)?(github\.com|gitlab\.com|bitbucket\.org)\/([A-Za-z0-9._-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?(?:\/tree\/([A-Za-z0-9._/+-]+?)|@([A-Za-z0-9._/+-]+))?\/?$/i.exec(
      raw,
    );
  if (github) {
    const branch = github[4] ?? github[5];
    return { url: `https://${github[1]!.toLowerCase()}/${github[2]}/${github[3]}`, ...(branch && isBranchName(branch) ? { branch } : {}) };
  }
  return { url: raw };
}
