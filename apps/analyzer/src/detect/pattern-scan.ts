import type { EnvVar, Evidence } from '#contracts';
import { EnvCollector, type EnvDialect } from './env-vars.js';
import { lineOf, type SourceTree } from './source-tree.js';

/** What one ecosystem's sources say about env vars and the port, as regular expressions. */
export interface ScanRules {
  /** Global patterns whose first defined group is the env var name; a pair names its own dialect. */
  env: (RegExp | [RegExp, EnvDialect])[];
  /** How the language reads its environment, for telling required reads (env-vars.ts). */
  dialect: EnvDialect;
  /** Matches code that reads PORT from the environment. */
  portEnv: RegExp;
  /** Patterns whose first group is a port, most telling first, with the reason for evidence. */
  ports: [pattern: RegExp, reason: string][];
  /** Env var names that say nothing about deployment (MIX_ENV, ...). */
  ignoreEnv?: readonly string[];
}

export interface ScanResult {
  env: EnvVar[];
  evidence: Evidence[];
  port: number | null;
  portFromEnv: boolean;
}

const MAX_SCANNED_FILES = 300;

/** Reads the given files in order and collects env vars, PORT reads and the first literal port. */
export async function scanSources(tree: SourceTree, files: readonly string[], rules: ScanRules): Promise<ScanResult> {
  const evidence: Evidence[] = [];
  const env = new EnvCollector(rules.dialect);
  let port: number | null = null;
  let portFromEnv = false;
  for (const file of [...new Set(files)].slice(0, MAX_SCANNED_FILES)) {
    const text = await tree.read(file);
    if (!text) continue;
    // In the order the file reads them, whichever pattern found them.
    const matches = rules.env
      .flatMap((rule) => {
        const [pattern, dialect] = Array.isArray(rule) ? rule : [rule, rules.dialect];
        return [...text.matchAll(pattern)].map((match) => ({ match, dialect }));
      })
      .sort((a, b) => a.match.index - b.match.index);
    for (const { match, dialect } of matches) {
      const name = match.slice(1).find((group) => group !== undefined);
      if (!name || rules.ignoreEnv?.includes(name)) continue;
      env.add(name, file, text, match, dialect);
    }
    if (!portFromEnv && rules.portEnv.test(text)) {
      portFromEnv = true;
      evidence.push({ field: 'portFromEnv', file, line: lineOf(text, rules.portEnv), reason: 'reads PORT from the environment' });
    }
    if (port === null) {
      const found = firstPort(text, rules.ports);
      if (found) {
        port = found.port;
        evidence.push({ field: 'port', file, line: lineOf(text, found.match), reason: found.reason });
      }
    }
  }
  return { env: env.values(), evidence: [...evidence, ...env.evidence()], port, portFromEnv };
}

export function firstPort(text: string, patterns: ScanRules['ports']): { port: number; match: string; reason: string } | null {
  for (const [pattern, reason] of patterns) {
    const match = pattern.exec(text);
    const port = match ? Number(match[1]) : NaN;
    if (match && port > 0 && port < 65536) return { port, match: match[0], reason };
  }
  return null;
}

/** Source files with one of the extensions, leaving tests out: what a test reads is not deployed. */
export function sourceFiles(files: readonly string[], extension: RegExp, isTest: RegExp): string[] {
  return files.filter((f) => extension.test(f) && !isTest.test(f));
}

/** Rounds a confidence sum into 0..1. */
export function clampConfidence(value: number): number {
  return Math.min(1, Number(value.toFixed(2)));
}
