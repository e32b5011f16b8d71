import type { Diagnosis } from '#contracts';
import { evidence, findLines, type DiagnosisRule, type FailureFacts } from '../diagnosis-rule.js';

const NAME = '([A-Z][A-Z0-9_]{1,127})';
/** How apps and their config libraries say a variable is missing, in the languages ServerGem deploys. */
const PATTERNS = [
  new RegExp(`[Mm]issing (?:required )?(?:[Ee]nv(?:ironment)? )?(?:[Vv]ar(?:iable)?s?:? ?)?[:"'\`]*\\s*${NAME}\\b`),
  new RegExp(`\\b${NAME}["'\`]? (?:env(?:ironment)? var(?:iable)? )?(?:is|was) (?:not set|not defined|undefined|missing|required|empty)`),
  new RegExp(`\\b${NAME}["'\`]? (?:[Ee]nv(?:ironment)? )?[Vv]ar(?:iable)? (?:is )?(?:not set|missing|required)`),
  new RegExp(`[Ee]nv(?:ironment)? [Vv]ar(?:iable)? ["'\`]?${NAME}["'\`]? (?:is )?(?:not set|not defined|missing|required)`),
  new RegExp(`[Ss]et the ${NAME} environment variable`),
  new RegExp(`KeyError: ['"]${NAME}['"]`),
  new RegExp(`key not found: ["']${NAME}["']`),
  new RegExp(`required key ${NAME} missing value`),
  new RegExp(`os\\.environ\\[['"]${NAME}['"]\\]`),
  new RegExp(`^\\s+${NAME}: (?:undefined|\\[ ?'Required' ?\\]|Required)`),
];

/** The app stopped because an environment variable it needs is not set. */
export const missingEnvRule: DiagnosisRule = {
  name: 'missing-env',
  diagnose(facts: FailureFacts): Diagnosis | null {
    const refused = refusedBeforeBuild(facts);
    const found = refused ? [] : findLines(facts.lines, PATTERNS, 8).filter((f) => f.match[1] !== 'PORT');
    if (!found.length && !refused) return null;
    const names = refused?.names ?? [...new Set(found.map((f) => f.match[1]!))];
    const detected = new Map((facts.report?.env ?? []).map((e) => [e.name, e]));
    const where = names
      .map((n) => detected.get(n))
      .filter((e) => e !== undefined)
      .map((e) => `${e.name} (read in \`${e.source}\`)`);
    const secret = names.some((n) => detected.get(n)?.kind === 'secret' || /SECRET|TOKEN|PASSWORD|KEY/.test(n));
    return {
      rule: this.name,
      title: `Missing environment variable${names.length > 1 ? 's' : ''}: ${names.join(', ')}`,
      explanation:
        (refused
          ? `Nothing was built: the app reads ${names.join(' and ')} with no default, and the service has no value for ${names.length > 1 ? 'them' : 'it'}. `
          : `The app stopped because ${names.join(' and ')} ${names.length > 1 ? 'are' : 'is'} not set. `) +
        (where.length ? `The analysis found the code that reads ${where.join(', ')}. ` : '') +
        `Give ${names.length > 1 ? 'them values' : 'it a value'}${secret ? ' (as a secret: it looks like a credential)' : ''} and deploy again.`,
      evidence: refused ? [refused.line] : evidence(found),
      fix: { summary: `Set ${names.join(', ')} and redeploy`, needsValues: names },
    };
  },
};

/** A MISSING_ENV refusal: the deployment stopped before building, its message naming each variable (`NAME (file:line)`). */
function refusedBeforeBuild(facts: FailureFacts): { names: string[]; line: string } | null {
  if (facts.error?.code !== 'MISSING_ENV') return null;
  const listed = facts.error.message.split('no value set:')[1] ?? '';
  const names = [...new Set([...listed.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*) \(/g)].map((m) => m[1]!))];
  return names.length ? { names, line: facts.error.message } : null;
}
