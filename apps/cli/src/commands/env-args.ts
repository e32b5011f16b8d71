import { readFileSync } from 'node:fs';
import { DomainError } from '#common';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `NAME=VALUE` as typed on a command line; the value may be empty and may hold `=`. */
export function parseAssignment(text: string, flag: string): [string, string] {
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq);
  if (eq < 0 || !NAME.test(name)) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `${flag} ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text.split('=')[0])} is not NAME=VALUE.`,
      `Write it as ${flag === 'env set' ? '' : `${flag} `}NAME=VALUE, with a name of letters, digits and "_" not starting with a digit.`,
    );
  }
  return [name, text.slice(eq + 1)];
}

export function assignments(list: readonly string[] | undefined, flag: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const item of list ?? []) {
    const [name, value] = parseAssignment(item, flag);
    map[name] = value;
  }
  return map;
}

/**
 * A `.env` file as dotenv writes them: `NAME=VALUE` lines, `export ` allowed, `#` comments, values
 * in single quotes (as they are) or double quotes (`\n`, `\"` and `\\` unescaped).
 */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  const map: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) {
      throw new DomainError('VALIDATION_FAILED', `${file}:${index + 1} is not NAME=VALUE.`, 'Fix that line of the file, or comment it out with #.');
    }
    const [, name, rest] = match as unknown as [string, string, string];
    map[name] = unquote(rest);
  });
  return map;
}

export function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `Could not read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
      'Pass the path of a .env file.',
    );
  }
  return parseEnvFile(text, path);
}

function unquote(value: string): string {
  if (value.startsWith("'")) {
    const end = value.indexOf("'", 1);
    return end > 0 ? value.slice(1, end) : value.slice(1);
  }
  if (value.startsWith('"')) {
    let out = '';
    for (let i = 1; i < value.length; i++) {
      const c = value[i]!;
      if (c === '"') return out;
      if (c === '\\' && i + 1 < value.length) {
        const next = value[++i]!;
        out += next === 'n' ? '\n' : next;
      } else out += c;
    }
    return out;
  }
  // An unquoted value ends at a comment.
  const hash = value.search(/\s#/);
  return (hash >= 0 ? value.slice(0, hash) : value).trim();
}
