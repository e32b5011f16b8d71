import type { Diagnosis } from '#contracts';
import type { DiagnosisRule, FailureFacts } from './diagnosis-rule.js';
import { fixedPortRule } from './rules/fixed-port.rule.js';
import { healthCheckRule } from './rules/health-check.rule.js';
import { lockfileRule } from './rules/lockfile.rule.js';
import { missingEnvRule } from './rules/missing-env.rule.js';
import { moduleNotFoundRule } from './rules/module-not-found.rule.js';
import { outOfMemoryRule } from './rules/out-of-memory.rule.js';
import { runtimeVersionRule } from './rules/runtime-version.rule.js';
import { startCommandRule } from './rules/start-command.rule.js';

/** Most specific first: a missing variable explains a crash better than the health check it failed. */
export const RULES: readonly DiagnosisRule[] = [
  missingEnvRule,
  moduleNotFoundRule,
  startCommandRule,
  runtimeVersionRule,
  lockfileRule,
  outOfMemoryRule,
  fixedPortRule,
  healthCheckRule,
];

/** Every rule that matches, in order; the health check only when nothing more specific did. */
export function diagnose(facts: FailureFacts): Diagnosis[] {
  const found: Diagnosis[] = [];
  for (const rule of RULES) {
    if (rule === healthCheckRule && found.length) continue;
    const diagnosis = rule.diagnose(facts);
    if (diagnosis) found.push(diagnosis);
  }
  return found.slice(0, 3);
}
