import type { AnalysisReport, Diagnosis, ErrorCode, Stage, Target } from '#contracts';

/** What is known of a failed deployment: its error, its real log lines and its analysis. */
export interface FailureFacts {
  error: { code: ErrorCode; message: string; hint: string; stage: Stage } | null;
  /** Every stored log line and event message of the deployment, oldest first. */
  lines: string[];
  report: AnalysisReport | null;
  target: Target;
}

/** One known cause of failure: it matches on the facts and says why, with the lines that show it. */
export interface DiagnosisRule {
  readonly name: string;
  diagnose(facts: FailureFacts): Diagnosis | null;
}

export interface Found {
  line: string;
  match: RegExpExecArray;
}

/** Lines matching any of the patterns, newest last, at most `max`. */
export function findLines(lines: readonly string[], patterns: readonly RegExp[], max = 5): Found[] {
  const found: Found[] = [];
  for (const line of lines) {
    for (const pattern of patterns) {
      const match = pattern.exec(line);
      if (match) {
        found.push({ line, match });
        break;
      }
    }
  }
  return found.slice(-max);
}

/** Evidence lines as shown to a person: trimmed, one per entry, none longer than a screen. */
export function evidence(found: readonly Found[]): string[] {
  return [...new Set(found.map((f) => (f.line.length > 300 ? `${f.line.slice(0, 299)}…` : f.line).trimEnd()))];
}
