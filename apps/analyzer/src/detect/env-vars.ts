import type { EnvVar, Evidence } from '#contracts';

const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|API_KEY|_KEY$|^KEY$|DATABASE_URL|DSN$|AUTH/;
const BUILD_NAME = /^(NEXT_PUBLIC_|VITE_|REACT_APP_|NUXT_PUBLIC_|PUBLIC_|GATSBY_)/;

/** Classifies an environment variable the code reads by its name. */
export function classifyEnv(name: string, source: string, required = false): EnvVar {
  const kind = BUILD_NAME.test(name) ? 'build' : SECRET_NAME.test(name) ? 'secret' : 'runtime';
  return { name, kind, source, required };
}

/**
 * How a language reads its environment, for telling a read that needs a value from one that copes
 * without. The rule, per language:
 * - `js` (`process.env.X`, `Deno.env.get`, `import.meta.env`) and `dotnet`
 *   (`Environment.GetEnvironmentVariable`, `Configuration[…]`) and `java` (`System.getenv`): the
 *   one accessor gives undefined/null, so the read is required unless the code gives a fallback
 *   (`??`, `||`, a ternary or a null check, `getOrDefault`, `Optional…orElse`, a guard).
 * - `python`: `os.environ["X"]` raises, so it is required; `os.environ.get("X")` and `os.getenv`
 *   return None without a default — the author chose the accessor that copes, so not required.
 * - `ruby`: `ENV.fetch("X")` with no default or block raises: required; `ENV["X"]` gives nil: not.
 * - `php`: `$_ENV['X']` / `$_SERVER['X']` with no `??` is required; `getenv()` and Laravel's
 *   `env()` return false/null and are not.
 * - `go`: `os.Getenv` returns "" and `os.LookupEnv` reports absence: never required.
 * - `rust`: `env::var("X")` followed by `.unwrap()`, `.expect(…)` or `?` is required; `unwrap_or…`
 *   and `.ok()` are not.
 * - `elixir`: `System.fetch_env!` is required; `System.get_env` and `System.fetch_env` are not.
 * - `spring`: `${X}` in a Spring property file is required, `${X:default}` is not.
 * - `dart`: `Platform.environment['X']` gives null; required unless `??` or a null check follows.
 */
export type EnvDialect = 'js' | 'python' | 'ruby' | 'php' | 'java' | 'spring' | 'dotnet' | 'go' | 'rust' | 'elixir' | 'dart';

/** A fallback right after the read (`?? 'd'`, `|| 'd'`, `? a : b`, `!= null`). */
const NULLISH_AFTER = /^\s*\)*\s*(?:\?\?|\|\||\?\.?|&&|[!=]==?)/;
/** A guard whose branch stops the app: the variable is required after all. */
const FAILS = /^[^;{}\n]{0,80}[{\s]*(?:throw\b|process\.exit|Deno\.exit|System\.exit|Environment\.Exit|panic!?\(|log\.Fatal|raise\b)/;
/** A statement that stops the app. */
const STOPS = /\b(?:throw\b|process\.exit|Deno\.exit|System\.exit|Environment\.Exit|panic!?\(|log\.Fatal|raise\b)/;

/** Whether the branch of `if (!X)` stops the app: its one statement, or any statement of its `{ … }` block. */
function guardStops(after: string): boolean {
  if (FAILS.test(after)) return true;
  const block = /^[^;{}\n]{0,80}\{([^{}]{0,400})\}/.exec(after);
  return block !== null && STOPS.test(block[1]!);
}

/** A guard or a fallback wrapped around the read (`if (process.env.X)`, `!process.env.X`, `typeof`). */
const GUARD_BEFORE =
  /(?:\bif\s*\(\s*!?\s*|!\s*|\btypeof\s+|\bgetOrDefault\s*\(\s*|\bofNullable\s*\(\s*|\brequireNonNullElse\w*\s*\(\s*|\bIsNullOrEmpty\s*\(\s*)$/;
/** `port = System.getenv("PORT");` — the variable the read is assigned to, to look for a later null check. */
const ASSIGNED_TO = /\b([A-Za-z_$][\w$]*)\s*(?::\s*[\w<>?]+\s*)?=\s*(?:await\s+)?$/;

/** Whether the variable a read was assigned to is checked for a missing value soon after. */
function checkedLater(before: string, later: string): boolean {
  const variable = ASSIGNED_TO.exec(before)?.[1];
  if (!variable) return false;
  const v = variable.replace(/\$/g, '\\$');
  const check = new RegExp(
    `\\b${v}\\s*(?:[!=]==?\\s*(?:null|undefined|None|"")|\\?\\?|\\|\\||\\.isEmpty|\\.isBlank)|(?:\\bif\\s*\\(\\s*!?\\s*|null\\s*[!=]=\\s*|IsNullOrEmpty\\(\\s*|isBlank\\(\\s*|isEmpty\\(\\s*)${v}\\b`,
  );
  const found = check.exec(later);
  return Boolean(found) && !FAILS.test(later.slice(found!.index + found![0].length));
}

/** Whether the read of a variable that a regular expression matched at `index` needs a value. */
export function isRequiredRead(dialect: EnvDialect, text: string, index: number, length: number): boolean {
  const matched = text.slice(index, index + length);
  const before = text.slice(Math.max(0, index - 60), index);
  const after = text.slice(index + length, index + length + 400);
  switch (dialect) {
    case 'go':
      return false;
    case 'elixir':
      return /fetch_env!/.test(matched);
    case 'spring':
      return !matched.includes(':');
    case 'python':
      return /environ\[/.test(matched) && !/\bin\s+os\.environ\b/.test(text.slice(Math.max(0, index - 200), index));
    case 'ruby':
      // ENV.fetch("X") with nothing after the name but `)` and no block.
      return /\.fetch\(/.test(matched) && /^["']?\s*\)(?!\s*(?:\{|do\b))/.test(after);
    case 'php':
      return /\$_(?:ENV|SERVER)\[/.test(matched) && !/^["']?\s*\]\s*\?\?/.test(after) && !/\b(?:isset|empty)\s*\(\s*$/.test(before);
    case 'rust':
      return /^\s*(?:\?|\.\s*(?:unwrap|expect)\s*\()/.test(after);
    case 'java':
    case 'js':
    case 'dotnet':
    case 'dart':
      if (/getOrDefault/.test(matched)) return false;
      if (GUARD_BEFORE.test(before)) return /\bif\s*\(\s*!\s*$/.test(before) && guardStops(after);
      return !NULLISH_AFTER.test(after) && !checkedLater(before, after);
  }
}

/** The env vars a detector collects: each once, required when any read of it is required. */
export class EnvCollector {
  private readonly vars = new Map<string, EnvVar>();

  constructor(private readonly dialect: EnvDialect) {}

  /** Records the read a match found; `name` is the variable, `match` where the read is. */
  add(name: string, file: string, text: string, match: { index: number; 0: string }, dialect = this.dialect): void {
    const required = isRequiredRead(dialect, text, match.index, match[0].length);
    const existing = this.vars.get(name);
    if (existing && (existing.required || !required)) return;
    this.vars.set(name, classifyEnv(name, `${file}:${text.slice(0, match.index).split('\n').length}`, required));
  }

  /** A read that was found some other way (a destructuring, a config key). */
  set(variable: EnvVar): void {
    const existing = this.vars.get(variable.name);
    if (!existing || (!existing.required && variable.required)) this.vars.set(variable.name, variable);
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  values(): EnvVar[] {
    return [...this.vars.values()];
  }

  /** One evidence line per required variable: where the app reads it with no default. */
  evidence(): Evidence[] {
    return this.values()
      .filter((v) => v.required)
      .map((v) => {
        const at = v.source.lastIndexOf(':');
        const line = Number(v.source.slice(at + 1));
        return {
          field: `env.${v.name}`,
          file: v.source.slice(0, at),
          ...(Number.isInteger(line) && line > 0 ? { line } : {}),
          reason: `reads ${v.name} with no default, so it must be set`,
        };
      });
  }
}
