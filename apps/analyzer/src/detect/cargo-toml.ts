/**
 * Just enough TOML for Cargo manifests and Rocket.toml: `[table]` and `[[array]]` headers, and
 * `key = value` lines whose value is a string, number, boolean or a one-line array of strings.
 * Multi-line arrays (workspace members) are joined before parsing.
 */
export interface TomlTable {
  header: string;
  line: number;
  values: Map<string, { value: string | string[]; line: number }>;
}

export function parseToml(text: string): TomlTable[] {
  const tables: TomlTable[] = [{ header: '', line: 1, values: new Map() }];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = stripComment(lines[i]!).trim();
    if (!raw) continue;
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(raw);
    if (header) {
      tables.push({ header: raw.startsWith('[[') ? `[${header[1]}]` : header[1]!, line: i + 1, values: new Map() });
      continue;
    }
    const pair = /^("?[\w.-]+"?)\s*=\s*(.*)$/.exec(raw);
    if (!pair) continue;
    let value = pair[2]!;
    const start = i;
    // A multi-line array: read on until the brackets balance.
    while (value.startsWith('[') && count(value, '[') > count(value, ']') && i + 1 < lines.length) {
      value += ' ' + stripComment(lines[++i]!).trim();
    }
    tables.at(-1)!.values.set(pair[1]!.replace(/"/g, ''), { value: parseValue(value), line: start + 1 });
  }
  return tables;
}

/** A string value of a table, or null. */
export function tomlString(tables: TomlTable[], header: string, key: string): { value: string; line: number } | null {
  for (const table of tables) {
    if (table.header !== header) continue;
    const found = table.values.get(key);
    if (found && typeof found.value === 'string') return { value: found.value, line: found.line };
  }
  return null;
}

export function tomlList(tables: TomlTable[], header: string, key: string): string[] {
  const found = tables.find((t) => t.header === header)?.values.get(key)?.value;
  return Array.isArray(found) ? found : [];
}

export function hasTable(tables: TomlTable[], header: string): boolean {
  return tables.some((t) => t.header === header);
}

function parseValue(value: string): string | string[] {
  if (value.startsWith('[')) return [...value.matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2]!);
  const quoted = /^"([^"]*)"|^'([^']*)'/.exec(value);
  if (quoted) return quoted[1] ?? quoted[2]!;
  return value.replace(/\s+$/, '');
}

function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#') {
      return line.slice(0, i);
    }
  }
  return line;
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}
