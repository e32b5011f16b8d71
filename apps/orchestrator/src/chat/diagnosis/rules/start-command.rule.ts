import type { AnalysisReport, Diagnosis } from '#contracts';
import { evidence, findLines, type DiagnosisRule, type FailureFacts } from '../diagnosis-rule.js';
import { unifiedDiff } from '../unified-diff.js';

const PATTERNS = [
  /npm (?:ERR!|error) Missing script: "?([\w:.-]+)"?/,
  /(?:^|\s)(?:sh|bash|\/bin\/sh)(?:: line \d+|: \d+)?: ([\w./-]+): (?:command )?not found/,
  /command not found: ([\w./-]+)/,
  /exec: "([^"]+)": executable file not found/,
  /spawn ([\w./-]+) ENOENT/,
  /found no start command/i,
];
/** Files that are the app's entry point when nothing says otherwise, with how to run them. */
const ENTRIES: [RegExp, (file: string) => string][] = [
  [/^(server|index|app|main)\.(c|m)?js$/, (f) => `node ${f}`],
  [/^(app|main|server|wsgi)\.py$/, (f) => `python ${f}`],
];

/** The start command does not exist: a missing npm script, or a program not installed. */
export const startCommandRule: DiagnosisRule = {
  name: 'start-command',
  diagnose(facts: FailureFacts): Diagnosis | null {
    const found = findLines([...facts.lines, facts.error?.message ?? ''], PATTERNS);
    if (!found.length) return null;
    const what = found.at(-1)!.match[1];
    const start = facts.report?.commands.start ?? null;
    const entry = entryOf(facts.report);
    const command = entry ? entry.command : null;
    const hasProcfile = facts.report?.evidence.some((e) => e.file === 'Procfile') ?? false;
    const cause = what
      ? found.at(-1)!.line.includes('Missing script')
        ? `package.json has no "${what}" script`
        : `\`${what}\` is not installed in the release`
      : 'ServerGem found no start command';
    return {
      rule: this.name,
      title: `The start command cannot run${start ? `: ${start}` : ''}`,
      explanation:
        `The app never started because ${cause}. ` +
        (what && !found.at(-1)!.line.includes('Missing script')
          ? `If \`${what}\` is a dev tool, it belongs in \`dependencies\`, or the start command should not need it. `
          : '') +
        (command
          ? `The analysis points at \`${entry!.file}\` as the entry point, so \`${command}\` should start it.`
          : 'Add a "start" script to package.json (or a Procfile `web:` line) that starts the server.'),
      evidence: evidence(found),
      ...(command
        ? {
            fix: {
              summary: `Start it with \`${command}\` and redeploy`,
              settings: { startCommand: command },
              ...(hasProcfile ? {} : { patch: { file: 'Procfile', diff: unifiedDiff('Procfile', null, [`web: ${command}`]) } }),
            },
          }
        : {}),
    };
  },
};

function entryOf(report: AnalysisReport | null): { file: string; command: string } | null {
  for (const e of report?.evidence ?? []) {
    const base = e.file.split('/').pop()!;
    for (const [pattern, command] of ENTRIES) if (pattern.test(base) && !e.file.includes('..')) return { file: e.file, command: command(e.file) };
  }
  return null;
}
