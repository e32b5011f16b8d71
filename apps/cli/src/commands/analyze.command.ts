import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AnalysisReport } from '#contracts';
import { DomainError } from '#common';
import { validateAppPath } from '#source';
import { analyzeSource } from '../../../analyzer/src/detect/analyze.js';

/** `servergem analyze <path>`: the analysis report of a local folder, with no server running. */
export async function analyzeCommand(path: string, options: { json: boolean; appPath?: string }): Promise<number> {
  const root = resolve(path);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new DomainError('REPO_NOT_FOUND', `There is no folder at ${root}.`, 'Check the path and try again.');
  }
  const report = await analyzeSource(root, validateAppPath(options.appPath));
  console.log(options.json ? JSON.stringify(report, null, 2) : describe(report));
  return 0;
}

function describe(report: AnalysisReport): string {
  const rows: [string, string][] = [
    ['language', report.language],
    ['framework', report.framework ?? '—'],
    ['runtime', `${report.runtime.name} ${report.runtime.version ?? '(any version)'}`],
    ['package manager', report.packageManager ?? '—'],
    ['install', report.commands.install.join(' && ') || '—'],
    ['build', report.commands.build.join(' && ') || '—'],
    ['start', report.commands.start ?? '—'],
    ['port', `${report.port ?? 'unknown'}${report.portFromEnv ? ' (reads PORT)' : ''}`],
    ['env', report.env.map((e) => `${e.name} (${e.kind}${e.required ? ', required' : ''})`).join(', ') || '—'],
    ['confidence', report.confidence.toFixed(2)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  lines.push('', 'Evidence:', ...report.evidence.map((e) => `  ${e.field}: ${e.reason} — ${e.file}${e.line ? `:${e.line}` : ''}`));
  if (report.warnings.length) lines.push('', 'Warnings:', ...report.warnings.map((w) => `  ${w}`));
  return lines.join('\n');
}
