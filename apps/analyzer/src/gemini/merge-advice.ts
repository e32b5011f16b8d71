import type { AnalysisReport, Evidence } from '#contracts';
import type { SourceTree } from '../detect/source-tree.js';
import type { GeminiAnswer } from './gemini-answer.js';
import { checkPort } from './port-proposal.js';
import { checkStartCommand } from './start-proposal.js';

/**
 * Merges the model's answer into the detectors' report: proposals held to the rules a repository's
 * own values are (start-proposal.ts, port-proposal.ts), each refusal a warning with its reason; the
 * deterministic plan stands wherever a proposal is refused.
 */
export async function mergeAdvice(report: AnalysisReport, answer: GeminiAnswer, tree: SourceTree): Promise<AnalysisReport> {
  const evidence: Evidence[] = [...report.evidence];
  const warnings = [...report.warnings];
  const commands = { ...report.commands };
  let port = report.port;

  const proposedStart = answer.startCommand?.trim();
  if (proposedStart && proposedStart !== report.commands.start) {
    const check = await checkStartCommand(proposedStart, report, tree);
    if (check.ok) {
      commands.start = proposedStart;
      evidence.push({ field: 'commands.start', file: check.file, reason: proposedReason(check.checked, report.commands.start) });
    } else {
      warnings.push(`Gemini proposed the start command "${clip(proposedStart, 120)}"; rejected (${check.why}), kept ${quoted(report.commands.start)}.`);
    }
  }

  const proposedPort = answer.port;
  if (proposedPort !== null && proposedPort !== undefined && proposedPort !== report.port) {
    const check = await checkPort(proposedPort, report.framework, tree);
    if (check.ok) {
      port = proposedPort;
      evidence.push({ field: 'port', file: check.file, reason: proposedReason(check.checked, report.port) });
    } else {
      warnings.push(`Gemini proposed port ${clip(String(proposedPort), 20)}; rejected (${check.why}), kept ${report.port ?? 'none'}.`);
    }
  }

  for (const warning of (answer.warnings ?? []).slice(0, 5)) {
    const text = clip(warning, 300);
    if (text) warnings.push(`Gemini: ${text}`);
  }
  const explanation = clip(answer.explanation, 1500);
  return { ...report, commands, port, evidence, warnings, ...(explanation ? { explanation } : {}) };
}

function proposedReason(checked: string, previous: string | number | null): string {
  return `proposed by Gemini, checked: ${checked}${previous === null ? '' : ` (replaces detected ${quoted(previous)})`}`;
}

function quoted(value: string | number | null): string {
  return value === null ? 'none' : typeof value === 'number' ? String(value) : `"${value}"`;
}

/** Model text shown to people: one line of printable characters, bounded. */
function clip(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
