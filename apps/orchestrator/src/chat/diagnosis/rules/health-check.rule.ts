import type { Diagnosis } from '#contracts';
import { evidence, findLines, type DiagnosisRule, type FailureFacts } from '../diagnosis-rule.js';

const PATTERNS = [
  /HTTP check of \S+ failed: (HTTP \d{3}|.+?) \(revision/,
  /GET \S+ -> (HTTP )?(5\d\d)\b/,
  /(?:startup|readiness|liveness) probe (?:checks? )?failed/i,
  /failed the configured startup probe/i,
  /HTTP probe failed with statuscode: (\d{3})/i,
  /did not answer HTTP on port \d+ within/,
];
const HEALTH_ROUTES = /["'`](\/(?:api\/)?(?:health|healthz|ready|readyz|status|ping))["'`]/;

/** The app started but the health check did not pass: it answered with an error, or not in time. */
export const healthCheckRule: DiagnosisRule = {
  name: 'health-check',
  diagnose(facts: FailureFacts): Diagnosis | null {
    const found = findLines([...facts.lines, facts.error?.message ?? ''], PATTERNS);
    if (!found.length) return null;
    const status = found.map((f) => /\b(5\d\d|4\d\d)\b/.exec(f.line)?.[1]).find((s) => s);
    const route = facts.lines.map((l) => HEALTH_ROUTES.exec(l)?.[1]).find((r) => r);
    const slow = found.some((f) => /within|probe/.test(f.line)) && !status;
    return {
      rule: this.name,
      title: status ? `Health check failed: the app answered ${status}` : 'Health check failed: the app did not answer in time',
      explanation: status
        ? `The new revision started, but \`GET /\` answered ${status}, so ServerGem kept the previous revision serving. The app's own log lines around the request say why it errors.` +
          (route ? ` The app has a \`${route}\` route; checking that instead of \`/\` avoids depending on the home page.` : '')
        : slow
          ? 'The app started but never answered HTTP before the deadline: it may listen on another port or interface (Cloud Run needs `0.0.0.0`), or take too long to boot.'
          : 'The health check of the new revision failed, so the previous one keeps serving.',
      evidence: evidence(found),
      ...(route ? { fix: { summary: `Check ${route} instead of / and redeploy`, settings: { healthCheckPath: route } } } : {}),
    };
  },
};
