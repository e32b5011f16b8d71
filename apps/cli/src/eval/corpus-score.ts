import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { AnalysisReport } from '#contracts';
import { DomainError } from '#common';
import { analyzeSource } from '../../../analyzer/src/detect/analyze.js';
import { equivalentStart } from './start-equivalence.js';

/** What a peer says about each example: `{ source, apps: { <folder>: { language, start, port } } }`. */
export const expectedCorpusSchema = z.object({
  source: z.string(),
  apps: z.record(
    z.string(),
    z.object({
      language: z.string().nullable().optional(),
      start: z.string().nullable().optional(),
      port: z.number().int().nullable().optional(),
      framework: z.string().nullable().optional(),
      packageManager: z.string().nullable().optional(),
      /** The app must get a plan (a start command or a static folder), whatever the peer runs. */
      needsStart: z.boolean().optional(),
    }),
  ),
});
export type ExpectedCorpus = z.infer<typeof expectedCorpusSchema>;

export interface Metric {
  hits: number;
  total: number;
  misses: string[];
}

export interface CorpusScore {
  source: string;
  apps: number;
  language: Metric;
  framework: Metric;
  packageManager: Metric;
  /** Apps the peer starts that we also give a start command or a static folder: a plan at all. */
  planned: Metric;
  start: Metric;
  port: Metric;
  /** Ports of static sites, where the number is the file server's choice, not the app's. */
  staticPort: Metric;
}

const metric = (): Metric => ({ hits: 0, total: 0, misses: [] });

function score(m: Metric, hit: boolean, miss: string): void {
  m.total++;
  if (hit) m.hits++;
  else m.misses.push(miss);
}

/** Analyzes every example a peer corpus names and compares language, start command and port. */
export async function scoreCorpus(examplesDir: string, expected: ExpectedCorpus): Promise<CorpusScore> {
  const result: CorpusScore = {
    source: expected.source,
    apps: 0,
    language: metric(),
    framework: metric(),
    packageManager: metric(),
    planned: metric(),
    start: metric(),
    port: metric(),
    staticPort: metric(),
  };
  for (const [name, want] of Object.entries(expected.apps).sort(([a], [b]) => a.localeCompare(b))) {
    const dir = join(examplesDir, name);
    if (!existsSync(dir)) continue;
    result.apps++;
    let report: AnalysisReport | null = null;
    let failure = '';
    try {
      report = await analyzeSource(dir);
    } catch (error) {
      failure = error instanceof DomainError ? error.code : String(error);
    }
    if (want.language) score(result.language, report?.language === want.language, `${name}: ${report?.language ?? failure} ≠ ${want.language}`);
    if (want.framework) score(result.framework, report?.framework === want.framework, `${name}: ${report?.framework ?? failure ?? 'none'} ≠ ${want.framework}`);
    if (want.packageManager) {
      score(
        result.packageManager,
        report?.packageManager === want.packageManager,
        `${name}: ${report?.packageManager ?? failure ?? 'none'} ≠ ${want.packageManager}`,
      );
    }
    if (want.start || want.needsStart) {
      const planned = Boolean(report?.commands.start || report?.staticDir || report?.dockerfile);
      score(result.planned, planned, `${name}: ${failure || 'no start command'}${want.start ? ` (the peer runs ${want.start})` : ''}`);
    }
    if (want.start !== undefined && want.start !== null) {
      const startScript = readStartScript(dir);
      const ours = report?.commands.start ?? null;
      score(result.start, equivalentStart(ours, want.start, startScript, Boolean(report?.staticDir)), `${name}: ${ours ?? failure ?? 'none'} ≠ ${want.start}`);
    }
    if (typeof want.port === 'number') {
      // A static site has no port of its own: the platform's file server picks it (the peer's
      // Caddy listens on 80, ours on $PORT). Those are counted apart.
      const target = report?.staticDir ? result.staticPort : result.port;
      score(target, report?.port === want.port, `${name}: ${report?.port ?? failure ?? 'none'} ≠ ${want.port}`);
    }
  }
  return result;
}

function readStartScript(dir: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    return pkg.scripts?.start;
  } catch {
    return undefined;
  }
}

export function percent(m: Metric): string {
  return m.total === 0 ? 'n/a' : `${((100 * m.hits) / m.total).toFixed(1)}% (${m.hits}/${m.total})`;
}
