import { parseToml as parseDocument } from './toml.js';

/**
 * A TOML document (Cargo.toml, Rocket.toml, rust-toolchain.toml) parsed by smol-toml, seen as its
 * tables: `[package]`, `[workspace.package]`, and `[bin]` once per `[[bin]]` entry. Each value keeps
 * the line it is on, for evidence.
 */
export interface TomlTable {
  header: string;
  line: number;
  values: Map<string, { value: string | string[]; line: number }>;
}

type Node = Record<string, unknown>;

const isTable = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

export async function parseToml(text: string): Promise<TomlTable[]> {
  const doc = await parseDocument(text);
  const lines = text.split('\n');
  const tables: TomlTable[] = [];
  const seen = new Map<string, number>();

  /** The line of the nth `[header]` / `[[header]]`, and the range up to the next header. */
  const locate = (header: string, array: boolean): { start: number; end: number } => {
    if (header === '') return { start: 0, end: nextHeader(lines, 0) };
    const nth = seen.get(header) ?? 0;
    seen.set(header, nth + 1);
    const escaped = header
      .split('.')
      .map((part) => `"?${part.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}"?`)
      .join('\\s*\\.\\s*');
    const pattern = new RegExp(`^\\s*${array ? '\\[\\[' : '\\['}\\s*${escaped}\\s*${array ? '\\]\\]' : '\\]'}`);
    let count = 0;
    for (let i = 0; i < lines.length; i++) {
      if (pattern.test(lines[i]!) && count++ === nth) return { start: i, end: nextHeader(lines, i + 1) };
    }
    return { start: -1, end: -1 };
  };

  const add = (header: string, node: Node, array: boolean): void => {
    const { start, end } = locate(header, array);
    const values = new Map<string, { value: string | string[]; line: number }>();
    for (const [key, value] of Object.entries(node)) {
      const line = keyLine(lines, key, start, end) ?? start + 1;
      if (Array.isArray(value)) values.set(key, { value: value.filter((v): v is string => typeof v === 'string'), line });
      else if (!isTable(value)) values.set(key, { value: String(value), line });
      // An inline or dotted table (`serde = { version = "1" }`) still names its key.
      else if (start >= 0 && keyLine(lines, key, start, end) !== undefined) values.set(key, { value: '', line });
    }
    tables.push({ header: array ? `[${header}]` : header, line: start + 1, values });
    for (const [key, value] of Object.entries(node)) {
      const path = header ? `${header}.${key}` : key;
      if (isTable(value)) add(path, value, false);
      else if (Array.isArray(value) && value.length > 0 && value.every(isTable)) for (const item of value) add(path, item, true);
    }
  };
  add('', doc, false);
  return tables;
}

function nextHeader(lines: string[], from: number): number {
  for (let i = from; i < lines.length; i++) if (/^\s*\[/.test(lines[i]!)) return i;
  return lines.length;
}

function keyLine(lines: string[], key: string, start: number, end: number): number | undefined {
  const pattern = new RegExp(`^\\s*["']?${key.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}["']?\\s*(?:=|\\.)`);
  for (let i = Math.max(start + (start > 0 ? 1 : 0), 0); i < end; i++) if (pattern.test(lines[i]!)) return i + 1;
  return undefined;
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
