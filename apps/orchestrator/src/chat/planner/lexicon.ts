/**
 * The words the deterministic planner reads, each mapped to the concept it stands for: verbs with
 * their synonyms and inflections, the nouns that tell operations apart, pronouns. Anything not here
 * is kept as it is (it may be a service name); near misses of these words are corrected.
 *
 * Why a lexicon and not a general NLP library: `compromise` was measured on these messages at
 * about 2 ms per message with verb roots (0.3 ms without), 280 ms to load, and it splits
 * hyphenated service names ("node-hello") into two words; the operations need a few hundred known
 * words, typo tolerance and exact names, which this does in about 0.01 ms (`bench/chat.bench.mjs`).
 */
const CONCEPTS: Record<string, string[]> = {
  deploy: [
    'deploy',
    'deploys',
    'deployed',
    'deploying',
    'ship',
    'ships',
    'shipped',
    'shipping',
    'launch',
    'launches',
    'launched',
    'launching',
    'publish',
    'publishes',
    'publishing',
    'host',
    'hosting',
    'release',
    'provision',
  ],
  deployment: ['deployment', 'deployments', 'build', 'builds', 'building', 'built', 'pipeline', 'job'],
  redeploy: ['redeploy', 'redeploys', 'redeployed', 'redeploying', 're-deploy', 'rebuild', 'rebuilding', 'retry', 'reship', 'restart', 'restarting', 'rerun'],
  again: ['again', 'once more', 'anew'],
  analyze: [
    'analyze',
    'analyse',
    'analyzes',
    'analyses',
    'analyzed',
    'analysed',
    'analyzing',
    'analysing',
    'analysis',
    'inspect',
    'inspecting',
    'examine',
    'scan',
    'detect',
    'review',
    'evaluate',
    'assess',
    'understand',
  ],
  status: [
    'status',
    'state',
    'health',
    'healthy',
    'overview',
    'dashboard',
    'running',
    'up',
    'live',
    'online',
    'alive',
    'doing',
    'progress',
    'finish',
    'finished',
    'done',
    'ready',
    'complete',
    'completed',
    'working',
    'serving',
  ],
  services: [
    'services',
    'service',
    'apps',
    'app',
    'applications',
    'application',
    'sites',
    'site',
    'websites',
    'website',
    'things',
    'stuff',
    'everything',
    'api',
    'server',
    'servers',
  ],
  logs: ['logs', 'log', 'logging', 'output', 'stdout', 'stderr', 'console', 'tail', 'print', 'printed', 'printing', 'lines'],
  rollback: ['rollback', 'rollbacks', 'revert', 'reverts', 'reverted', 'reverting', 'undo', 'restore', 'downgrade'],
  roll: ['roll', 'rolls', 'rolled', 'rolling'],
  back: ['back', 'backwards'],
  previous: ['previous', 'prior', 'earlier', 'older', 'old', 'before', 'last'],
  cancel: ['cancel', 'cancels', 'cancelled', 'canceled', 'cancelling', 'canceling', 'abort', 'aborts', 'aborting', 'halt'],
  stop: ['stop', 'stops', 'stopping', 'pause', 'kill', 'suspend', 'disable'],
  shut: ['shut', 'take', 'turn', 'bring', 'spin', 'put', 'go', 'make', 'get', 'push'],
  down: ['down', 'off', 'offline'],
  delete: [
    'delete',
    'deletes',
    'deleting',
    'remove',
    'removing',
    'destroy',
    'destroying',
    'erase',
    'drop',
    'purge',
    'uninstall',
    'nuke',
    'tear',
    'clear',
    'rid',
  ],
  set: ['set', 'sets', 'setting', 'add', 'define', 'configure', 'change', 'update', 'give', 'assign', 'provide', 'put'],
  unset: ['unset', 'unsets'],
  env: ['env', 'envs', 'environment', 'variable', 'variables', 'var', 'vars', 'secret', 'secrets', 'config', 'setting', 'settings', 'key', 'keys'],
  traffic: ['traffic', 'split', 'splits', 'canary', 'route', 'routing', 'percent', 'percentage', '%'],
  fail: [
    'fail',
    'fails',
    'failed',
    'failing',
    'failure',
    'failures',
    'error',
    'errors',
    'crash',
    'crashes',
    'crashed',
    'crashing',
    'broke',
    'broken',
    'break',
    'breaks',
    'wrong',
    'problem',
    'problems',
    'issue',
    'bug',
    'exception',
    'died',
    'dead',
    'red',
  ],
  explain: ['explain', 'diagnose', 'diagnosis', 'debug', 'troubleshoot', 'investigate', 'fix', 'reason', 'cause'],
  why: ['why'],
  happened: ['happened', 'happen', 'went', 'going'],
  repos: ['repos', 'repo', 'repositories', 'repository', 'projects', 'project', 'github', 'code', 'codebase', 'source'],
  list: ['list', 'lists', 'listing', 'show', 'shows', 'display', 'see', 'view', 'give', 'tell', 'which', 'what', 'get', 'fetch', 'look', 'check', 'read'],
  help: ['help', 'commands', 'hello', 'hi', 'hey', 'howdy', 'thanks', 'thank', 'options', 'capabilities', 'menu'],
  /** What a running app uses: asked with the status it is part of. */
  usage: [
    'usage',
    'memory',
    'ram',
    'mem',
    'cpu',
    'cpus',
    'processor',
    'resources',
    'resource',
    'use',
    'uses',
    'using',
    'used',
    'consume',
    'consumes',
    'consuming',
    'consumption',
    'utilization',
    'utilisation',
    'footprint',
    'load',
  ],
  yes: ['yes', 'yep', 'yeah', 'sure', 'ok', 'okay', 'confirm', 'confirmed', 'proceed', 'go-ahead', 'affirmative', 'y'],
  no: ['no', 'nope', 'nah', 'nevermind', 'never', 'forget', 'dismiss', 'n'],
  not: ['not', 'dont', 'without'],
  pronoun: ['it', 'that', 'this', 'them', 'these', 'those', 'its', 'same', 'one'],
  to: ['to', 'into'],
  revision: ['revision', 'revisions', 'version', 'versions', 'release', 'releases', 'commit', 'rev'],
};

/** Multi-word phrases read as one concept, matched on the words in order. */
export const PHRASES: [string[], string][] = [
  [['roll', 'back'], 'rollback'],
  [['go', 'back'], 'rollback'],
  [['put', 'live'], 'deploy'],
  [['go', 'live'], 'deploy'],
  [['make', 'live'], 'deploy'],
  [['push', 'live'], 'deploy'],
  [['bring', 'up'], 'deploy'],
  [['spin', 'up'], 'deploy'],
  [['get', 'online'], 'deploy'],
  [['put', 'online'], 'deploy'],
  [['shut', 'down'], 'stop'],
  [['take', 'down'], 'stop'],
  [['turn', 'off'], 'stop'],
  [['spin', 'down'], 'stop'],
  [['tear', 'down'], 'delete'],
  [['get', 'rid'], 'delete'],
  [['what', 'happened'], 'explain'],
  [['went', 'wrong'], 'explain'],
  [['go', 'wrong'], 'explain'],
  [['never', 'mind'], 'no'],
  [['forget', 'it'], 'no'],
  [['go', 'ahead'], 'yes'],
  [['do', 'it'], 'yes'],
  [['try', 'again'], 'redeploy'],
  [['what', 'kind'], 'analyze'],
  [['look', 'at'], 'analyze'],
  [['check', 'out'], 'analyze'],
];

const WORD_TO_CONCEPT = new Map<string, string>();
for (const [concept, words] of Object.entries(CONCEPTS)) {
  for (const word of words) if (!WORD_TO_CONCEPT.has(word)) WORD_TO_CONCEPT.set(word, concept);
}
/** Words a phrase needs as they are, before their concept is looked up. */
const PHRASE_WORDS = new Set(PHRASES.flatMap(([words]) => words));

/** Everyday words that must never be "corrected" into a command word. */
const KNOWN = new Set([
  ...WORD_TO_CONCEPT.keys(),
  ...'recent latest newest please could would should can will you me my mine our the a an and or of for from with on in at by is are was were be been am do does did done have has had i we want need like would love just now then so also some any all every new latest current from branch named called here there how when where who whom whose last first next other another thing one two three about into onto over under real quickly asap right sorry hmm well really very much more less than else instead only still yet already been being let us kindly mean meant think something anything nothing wait what tried trying try work works worked fine good bad great nice cool thing same keep keeps file files folder folders path port value values name names branches commit message messages chat session page hey yo plz pls thx ty'.split(
    ' ',
  ),
]);

/** The concept a word stands for, its near miss corrected (never for a word that could be a name). */
export function conceptOf(word: string, names: ReadonlySet<string>): string {
  if (names.has(word)) return word;
  const direct = WORD_TO_CONCEPT.get(word);
  if (direct) return direct;
  if (KNOWN.has(word) || word.length < 4 || /[0-9-]/.test(word)) return word;
  const budget = word.length >= 8 ? 2 : 1;
  let best: string | undefined;
  let bestDistance = budget + 1;
  let tie = false;
  for (const candidate of WORD_TO_CONCEPT.keys()) {
    if (Math.abs(candidate.length - word.length) > budget || candidate.length < 4) continue;
    const distance = editDistance(word, candidate, budget);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
      tie = false;
    } else if (distance === bestDistance && best && WORD_TO_CONCEPT.get(candidate) !== WORD_TO_CONCEPT.get(best)) {
      tie = true;
    }
  }
  // Two concepts equally near ("stip": stop or ship?) is no correction at all.
  return best && !tie ? WORD_TO_CONCEPT.get(best)! : word;
}

export function isPhraseWord(word: string): boolean {
  return PHRASE_WORDS.has(word);
}

/** Optimal string alignment distance (a swap of two letters counts once), stopping early past `budget`. */
function editDistance(a: string, b: string, budget: number): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  let prevPrev = new Array<number>(cols).fill(0);
  let prev = Array.from({ length: cols }, (_, j) => j);
  for (let i = 1; i < rows; i++) {
    const row = new Array<number>(cols);
    row[0] = i;
    let rowMin = row[0];
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, prevPrev[j - 2]! + 1);
      row[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > budget) return budget + 1;
    prevPrev = prev;
    prev = row;
  }
  return prev[cols - 1]!;
}

/** A word of English this planner knows (a command word or an everyday one), so never a service name. */
export function isOrdinaryWord(word: string): boolean {
  return WORD_TO_CONCEPT.has(word) || KNOWN.has(word);
}

/** The known name nearest to a misspelt one, if it is only a letter or two away. */
export function nearestName(word: string, names: Iterable<string>): string | undefined {
  const budget = word.length >= 8 ? 2 : 1;
  let best: string | undefined;
  let bestDistance = budget + 1;
  for (const name of names) {
    if (Math.abs(name.length - word.length) > budget) continue;
    const distance = editDistance(word, name, budget);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}
