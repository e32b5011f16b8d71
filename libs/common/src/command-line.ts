import { parse, type ParseEntry } from 'shell-quote';

/**
 * One command line as ServerGem reads it, with shell-quote's POSIX parser. A command is either a
 * plain argv (words, quotes allowed, optionally preceded by `NAME=value` assignments), which runs
 * without a shell, or it needs one: operators (`&&`, `;`, `|`, `&`), expansions (`$X`, `$(…)`,
 * backticks, `~`), globs, redirects, comments or more than one line.
 */
export interface ParsedCommand {
  readonly text: string;
  /** Leading `NAME=value` assignments of a plain command. */
  readonly env: Readonly<Record<string, string>>;
  /** The words to run when no shell is needed; null when the command needs a shell. */
  readonly argv: readonly string[] | null;
  /** The program it starts (after assignments), when that is a plain word; for messages and toolchain checks. */
  readonly program: string | null;
  /** Several commands (a sequence, pipeline, subshell or background job), not one simple command. */
  readonly compound: boolean;
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/;
/** Control operators that join commands; redirects (`>`, `<`, …) keep a command simple. */
const JOINERS = new Set(['&&', '||', ';', ';;', ';&', ';;&', '|', '|&', '&', '(', ')']);
/** What shell-quote keeps as literal but a shell does not: `$` and backticks, `~` at a word's start, line breaks. */
const RAW_SHELL = /[`$\r\n]|(^|\s)~/;

/** What shell-quote returns, with every expansion (`$X`, `${X:-1}`, the `$` of `$(…)`) as a marker. */
type Entry = ParseEntry | Expansion;
interface Expansion {
  expansion: string;
}

export function parseCommand(text: string): ParsedCommand {
  let entries: Entry[];
  try {
    entries = parse<Expansion>(text, (name) => ({ expansion: name }));
  } catch {
    // shell-quote refuses what no shell would run either (`${`): treat it as shell text, never as argv.
    return { text, env: {}, argv: null, program: null, compound: true };
  }
  const plain = entries.length > 0 && entries.every((e) => typeof e === 'string') && !RAW_SHELL.test(activeText(text)) && !/[\r\n]/.test(text);
  let first = 0;
  while (first < entries.length && typeof entries[first] === 'string' && ASSIGNMENT.test(entries[first] as string)) first += 1;
  const program = entries[first];
  const env: Record<string, string> = {};
  for (const word of entries.slice(0, first) as string[]) {
    const [, name, value] = ASSIGNMENT.exec(word)!;
    env[name!] = value!;
  }
  return {
    text,
    env: plain ? env : {},
    argv: plain && first < entries.length ? (entries.slice(first) as string[]) : null,
    program: typeof program === 'string' ? program : null,
    compound: isCompound(entries, text),
  };
}

/**
 * The text a shell would still interpret: single-quoted and backslash-escaped characters are
 * blanked out, so `'$(x)'` is a plain word while `"$(x)"` is not.
 */
function activeText(text: string): string {
  let out = '';
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      out += '_';
    } else if (c === '\\') {
      out += '__';
      i += 1;
    } else if (c === quote) {
      quote = null;
    } else if (!quote && (c === "'" || c === '"')) {
      quote = c;
      out += '_';
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * How a command is run, on the `local` target and in a Dockerfile's exec-form CMD alike: its own
 * argv when it needs no shell (`env NAME=value …` for leading assignments), else `sh -c` with the
 * command as one argument. A single simple command is `exec`ed, so the app itself keeps the
 * shell's pid (PID 1 in a container) and receives signals.
 */
export function commandArgv(text: string): string[] {
  const parsed = parseCommand(text);
  if (parsed.argv) {
    const assignments = Object.entries(parsed.env).map(([name, value]) => `${name}=${value}`);
    return assignments.length ? ['env', ...assignments, ...parsed.argv] : [...parsed.argv];
  }
  return ['sh', '-c', parsed.compound ? text : withExec(text)];
}

/** `A=1 cmd args` → `A=1 exec cmd args`: assignments before `exec` still reach the program. */
function withExec(text: string): string {
  const assignments = /^\s*((?:[A-Za-z_][A-Za-z0-9_]*=(?:'[^']*'|"(?:\\.|[^"\\])*"|[^\s'"])*\s+)*)([\s\S]*)$/.exec(text)!;
  return `${assignments[1]}exec ${assignments[2]}`;
}

/**
 * Several commands rather than one: a control operator outside command substitutions, or a line
 * break. `$(…)` shows up as an empty variable followed by `(`, and its operators are its own.
 */
function isCompound(entries: Entry[], text: string): boolean {
  if (/[\r\n]/.test(text.trim())) return true;
  let depth = 0;
  for (const [index, entry] of entries.entries()) {
    if (typeof entry !== 'object' || !('op' in entry)) continue;
    const previous = entries[index - 1];
    const substitution = typeof previous === 'object' && 'expansion' in previous && previous.expansion === '';
    if (entry.op === '(' && substitution) depth += 1;
    else if (entry.op === ')' && depth > 0) depth -= 1;
    else if (depth === 0 && JOINERS.has(entry.op)) return true;
  }
  return false;
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One word as a POSIX shell reads it back unchanged: bare when it holds only safe characters,
 * otherwise in single quotes. Used for every value ServerGem puts into a command it composes.
 */
export function quoteWord(word: string): string {
  if (SAFE_WORD.test(word) && !word.startsWith('=')) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command from words ServerGem chose, each quoted: no word can become shell syntax. */
export function composeCommand(words: readonly string[]): string {
  return words.map(quoteWord).join(' ');
}

/** Control characters that have no place in a one-line command (newlines end Dockerfile instructions). */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const PATH_SEGMENT = String.raw`(?!\.\.?(?:/|$))[A-Za-z0-9_@+.,=-]+`;

/**
 * A relative path inside the repository that can stand in a command or a Dockerfile as it is: `.`,
 * or elements of `[A-Za-z0-9_@+.,=-]` (an optional leading `./`), no `..`, no leading `-` or `/`.
 */
export const SAFE_RELATIVE_PATH = new RegExp(`^(?:\\.|(?:\\./)?(?!-)${PATH_SEGMENT}(?:/${PATH_SEGMENT})*/?)$`);
