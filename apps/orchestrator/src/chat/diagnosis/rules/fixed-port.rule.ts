import type { Diagnosis } from '#contracts';
import { evidence, findLines, type DiagnosisRule, type FailureFacts } from '../diagnosis-rule.js';
import { unifiedDiff } from '../unified-diff.js';

const LISTENING = [
  /\blisten(?:ing)? (?:on|at) (?:port )?(?:https?:\/\/)?(?:(?:[\w.-]+|\[[:\w]*\]):)?(\d{2,5})\b/i,
  /\b(?:running|started|serving|server started|available) (?:on|at) (?:port )?(?:https?:\/\/)?(?:(?:[\w.-]+|\[[:\w]*\]):)?(\d{2,5})\b/i,
  /\bLocal:\s+https?:\/\/[\w.-]+:(\d{2,5})/,
  /EADDRINUSE.*?:(\d{2,5})\b/,
];
const GIVEN_PORT = [/\bwith PORT=(\d{2,5})\b/, /defined by the PORT=(\d{2,5}) environment variable/i, /\bon port (\d{2,5}) within\b/];

/** The app listens on a port of its own instead of the one in `PORT`, so nothing answers where ServerGem looks. */
export const fixedPortRule: DiagnosisRule = {
  name: 'fixed-port',
  diagnose(facts: FailureFacts): Diagnosis | null {
    const code = facts.error?.code;
    if (code !== 'APP_NOT_LISTENING' && code !== 'DEPLOY_FAILED' && code !== 'APP_EXITED') return null;
    const listening = findLines(facts.lines, LISTENING);
    const given = findLines([...facts.lines, facts.error?.message ?? ''], GIVEN_PORT).at(-1);
    const heard = listening.at(-1);
    if (!heard || !given) return null;
    const actual = Number(heard.match[1]);
    const expected = Number(given.match[1]);
    if (actual === expected) return null;
    const where = facts.report?.evidence.find((e) => e.field === 'port' || e.field === 'listen');
    const patch = readPortPatch(facts, actual);
    return {
      rule: this.name,
      title: `The app listens on port ${actual}, not on PORT (${expected})`,
      explanation:
        `ServerGem started the app with PORT=${expected} and waited for it there, but the app says it listens on ${actual}` +
        `${where ? ` (the analysis saw it in \`${where.file}${where.line ? `:${where.line}` : ''}\`)` : ''}. ` +
        `The lasting fix is to read the port from the environment (for example \`app.listen(process.env.PORT || ${actual})\`); ` +
        `until then ServerGem can send the traffic to port ${actual}.`,
      evidence: evidence([given, ...listening]),
      fix: { summary: `Use port ${actual} for this service and redeploy`, settings: { port: actual }, ...(patch ? { patch } : {}) },
    };
  },
};

/**
 * The lasting fix as a patch of the line the analysis saw pick the port (a Node.js app only): the
 * literal port becomes the fallback of PORT. Only when that line holds exactly that port.
 */
function readPortPatch(facts: FailureFacts, port: number): { file: string; diff: string } | null {
  if (facts.report?.language !== 'node') return null;
  const seen = facts.report.evidence.find((e) => (e.field === 'listen' || e.field === 'port') && e.excerpt && e.line);
  const literal = new RegExp(`(?<![\\w.])${port}(?![\\w.])`);
  if (!seen?.excerpt || !seen.line || !literal.test(seen.excerpt) || /process\.env\.PORT\b/.test(seen.excerpt)) return null;
  const fixed = seen.excerpt.replace(literal, (m, offset: number) => {
    // After an operator the fallback needs its own parentheses: `x || 4321` → `x || (Number(process.env.PORT) || 4321)`.
    const grouped = /(\|\||\?\?|[?:])\s*$/.test(seen.excerpt!.slice(0, offset));
    return grouped ? `(Number(process.env.PORT) || ${m})` : `Number(process.env.PORT) || ${m}`;
  });
  const header = unifiedDiff(seen.file, [seen.excerpt], [fixed]).replace('@@ -1 +1 @@', `@@ -${seen.line} +${seen.line} @@`);
  return { file: seen.file, diff: header };
}
