import { CONTROL_CHARACTERS, SAFE_RELATIVE_PATH } from '#common';

/**
 * The grammar of each kind of name a manifest (or a file name in the repository) can put into a
 * command ServerGem composes. A value that fails its ecosystem's own grammar is refused: it goes
 * into no command, and the report says so. A value that passes is shell-inert by construction (the
 * grammars allow no shell syntax; where they allow a space or parentheses, the command quotes it).
 */
export type ValueKind =
  | 'cargo-name'
  | 'go-package-dir'
  | 'maven-jar'
  | 'gradle-project-dir'
  | 'dotnet-project'
  | 'dotnet-assembly'
  | 'python-module'
  | 'python-app'
  | 'python-script'
  | 'elixir-release'
  | 'npm-script'
  | 'repo-path';

interface Grammar {
  /** How a person would name the value: `Cargo package or binary name`. */
  what: string;
  pattern: RegExp;
  /** The grammar as the warning shows it. */
  rule: string;
}

/** A relative path of the repository: no `..`, no leading `-` or `/`, no shell or Dockerfile syntax. */
const PATH_SEGMENT = String.raw`(?!\.\.?(?:/|$))[A-Za-z0-9_@+.,=-]+`;
const IDENTIFIER = String.raw`[A-Za-z_][A-Za-z0-9_]*`;

const GRAMMARS: Record<ValueKind, Grammar> = {
  // Cargo: "package names must be alphanumeric, `-` or `_`"; binary targets follow the same rule.
  'cargo-name': { what: 'Cargo package or binary name', pattern: /^[A-Za-z0-9_-]{1,64}$/, rule: '[a-zA-Z0-9_-]+' },
  // Go import path elements: letters, digits and `-._~`, relative to the module root.
  'go-package-dir': {
    what: 'Go package folder',
    pattern: new RegExp(String.raw`^(?!-)(?:(?!\.\.?(?:/|$))[A-Za-z0-9_.~+-]+)(?:/(?!\.\.?(?:/|$))[A-Za-z0-9_.~+-]+)*$`),
    rule: 'path elements of [a-zA-Z0-9._~+-]',
  },
  // Maven artifactId and version (or finalName), as the jar file they name.
  'maven-jar': { what: 'Maven jar name', pattern: /^(?!-)[A-Za-z0-9_.+-]{1,200}\.jar$/, rule: '[a-zA-Z0-9_.+-]+.jar' },
  'gradle-project-dir': {
    what: 'Gradle project folder',
    pattern: new RegExp(`^(?!-)${PATH_SEGMENT}(?:/${PATH_SEGMENT})*$`),
    rule: 'path elements of [a-zA-Z0-9_.-]',
  },
  // MSBuild allows spaces in project and assembly names; they are quoted, everything else shell-like is refused.
  'dotnet-project': {
    what: '.NET project file',
    pattern: /^(?![-/ ])(?!(?:.*\/)?\.\.?\/)[A-Za-z0-9_.+ -]+(?:\/[A-Za-z0-9_.+ -]+)*\.(?:cs|fs|vb)proj$/,
    rule: 'path elements of [a-zA-Z0-9_.+ -] ending in .csproj, .fsproj or .vbproj',
  },
  'dotnet-assembly': { what: '.NET assembly name', pattern: /^(?![- ])[A-Za-z0-9_.+ -]{1,200}$/, rule: '[a-zA-Z0-9_.+ -]+' },
  'python-module': { what: 'Python module', pattern: new RegExp(`^${IDENTIFIER}(?:\\.${IDENTIFIER})*$`), rule: 'dotted Python identifiers' },
  // gunicorn/uvicorn targets: `pkg.mod:app`, or a factory call `pkg.mod:create_app()`.
  'python-app': {
    what: 'Python application reference',
    pattern: new RegExp(`^${IDENTIFIER}(?:\\.${IDENTIFIER})*:${IDENTIFIER}(?:\\(\\))?$`),
    rule: 'module:object or module:factory()',
  },
  // Console script names in [project.scripts] (entry point names).
  'python-script': { what: 'Python console script', pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, rule: '[a-zA-Z0-9][a-zA-Z0-9_.-]*' },
  // Mix release names are Elixir atoms written in snake case.
  'elixir-release': { what: 'Mix release name', pattern: /^[a-z_][a-z0-9_]{0,99}$/, rule: '[a-z_][a-z0-9_]*' },
  'npm-script': { what: 'npm script name', pattern: /^(?!-)[A-Za-z0-9_:.@/+-]{1,100}$/, rule: '[a-zA-Z0-9_:.@/+-]+' },
  'repo-path': {
    what: 'file path',
    pattern: SAFE_RELATIVE_PATH,
    rule: 'a relative path of [a-zA-Z0-9_@+.,=-] elements',
  },
};

/** True when the value fits the grammar of its kind. */
export function isValidValue(kind: ValueKind, value: string): boolean {
  return !CONTROL_CHARACTERS.test(value) && GRAMMARS[kind].pattern.test(value);
}

/** The warning for a refused value: what it was, where it came from, the grammar it fails. */
export function refusal(kind: ValueKind, value: string, file: string): string {
  const { what, rule } = GRAMMARS[kind];
  return `The ${what} ${JSON.stringify(shown(value))} in ${file} is not valid (${rule}); ServerGem refused it and put it into no command.`;
}

/**
 * Checks a value against its grammar, recording a refusal in `warnings`: detectors call it at the
 * point a manifest value would become part of a command, and use the value only when it is returned.
 */
export function acceptValue(kind: ValueKind, value: string, file: string, warnings: string[]): string | null {
  if (isValidValue(kind, value)) return value;
  const warning = refusal(kind, value, file);
  if (!warnings.includes(warning)) warnings.push(warning);
  return null;
}

/** A value shown in a warning: one line of printable text, bounded. */
function shown(value: string): string {
  const clean = value.replace(new RegExp(CONTROL_CHARACTERS.source, 'g'), ' ');
  return clean.length > 120 ? `${clean.slice(0, 119)}…` : clean;
}
