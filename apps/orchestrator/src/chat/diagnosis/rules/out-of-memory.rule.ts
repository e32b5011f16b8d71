import type { Diagnosis, SettingsChange } from '#contracts';
import { evidence, findLines, type DiagnosisRule, type FailureFacts } from '../diagnosis-rule.js';

const PATTERNS = [
  /JavaScript heap out of memory/,
  /FATAL ERROR: (?:Reached heap limit|Ineffective mark-compacts near heap limit)/,
  /Memory limit of (\d+) ?(MiB|GiB|Mi|Gi|M|G) exceeded/i,
  /\bOOMKilled\b/,
  /exit(?:ed)? (?:with )?(?:code|status) 137\b/i,
  /\(SIGKILL\)|signal: killed|^Killed$/,
  /^MemoryError\b/,
];

/** The process ran out of memory (a heap limit or the instance's memory). */
export const outOfMemoryRule: DiagnosisRule = {
  name: 'out-of-memory',
  diagnose(facts: FailureFacts): Diagnosis | null {
    const found = findLines(facts.lines, PATTERNS);
    if (!found.length) return null;
    const heap = found.some((f) => /heap/.test(f.line));
    const duringBuild = facts.error?.stage === 'building' || facts.error?.code === 'BUILD_FAILED';
    const limit = found.map((f) => /Memory limit of (\d+) ?(MiB|GiB|Mi|Gi|M|G)/i.exec(f.line)).find((m) => m);
    const currentMi = limit ? Number(limit[1]) * (/^g/i.test(limit[2]!) ? 1024 : 1) : 512;
    const nextMi = Math.min(32_768, currentMi * 2);
    const memory = nextMi % 1024 === 0 ? `${nextMi / 1024}Gi` : `${nextMi}Mi`;
    const heapMb = Math.max(1024, Math.round(nextMi * 0.75));
    let settings: SettingsChange;
    let summary: string;
    if (heap && duringBuild) {
      settings = { buildEnv: { NODE_OPTIONS: `--max-old-space-size=${heapMb}` } };
      summary = `Give the build a ${heapMb} MB Node.js heap and redeploy`;
    } else if (facts.target === 'cloudrun') {
      settings = { cloudRun: { memory } };
      summary = `Raise the memory to ${memory} and redeploy`;
    } else {
      settings = { env: { NODE_OPTIONS: `--max-old-space-size=${heapMb}` } };
      summary = `Give the app a ${heapMb} MB Node.js heap and redeploy`;
    }
    const fixable = facts.report?.language === 'node' || facts.target === 'cloudrun';
    return {
      rule: this.name,
      title: `Out of memory${duringBuild ? ' during the build' : ''}`,
      explanation:
        `The ${duringBuild ? 'build' : 'app'} was stopped because it used more memory than it had${limit ? ` (${limit[1]} ${limit[2]})` : ''}. ` +
        (heap ? 'Node.js hit its heap limit. ' : '') +
        (fixable ? 'More memory usually gets it through; if it keeps growing, look for a leak.' : 'Give it more memory, or look for what holds so much of it.'),
      evidence: evidence(found),
      fix: fixable ? { summary, settings } : { summary: 'Give the process more memory' },
    };
  },
};
