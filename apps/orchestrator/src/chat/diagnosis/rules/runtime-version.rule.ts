import type { Diagnosis } from '#contracts';
import { evidence, findLines, type DiagnosisRule, type FailureFacts } from '../diagnosis-rule.js';
import { unifiedDiff } from '../unified-diff.js';

const NODE = [
  /The engine "node" is incompatible with this module\. Expected version "([^"]+)"\. Got "([^"]+)"/,
  /EBADENGINE.*required: \{ node: '([^']+)' \}.*current: \{ node: 'v?([^']+)'/,
  /requires Node(?:\.js)? (?:version )?([>=^~\d.| x]+?)(?: or (?:higher|later|newer))?[.,;]?\s*(?:You are using|Current|$)/i,
  /You are using Node\.js (\d[\w.]*)\. .* requires Node\.js version ([^.\s]+(?:\.\d+)*)/,
];
const PYTHON = [/requires a different Python: ([\d.]+) not in '([^']+)'/, /Requires-Python ([>=<~!\d., ]+).*(?:current|running) (?:Python )?([\d.]+)/i];

/** The app or a dependency needs another Node.js or Python version than the one it got. */
export const runtimeVersionRule: DiagnosisRule = {
  name: 'runtime-version',
  diagnose(facts: FailureFacts): Diagnosis | null {
    const node = findLines(facts.lines, NODE);
    const python = findLines(facts.lines, PYTHON);
    const hit = node.at(-1) ?? python.at(-1);
    if (!hit) return null;
    const isNode = node.length > 0;
    const [required, current] = isNode
      ? hit.line.includes('You are using')
        ? [hit.match[2]!, hit.match[1]!]
        : [hit.match[1]!.trim(), hit.match[2]?.trim()]
      : [hit.match[2]!, hit.match[1]!];
    const want = wantedVersion(required, isNode ? '22' : '3.12');
    const file = isNode ? '.nvmrc' : '.python-version';
    const pinned = facts.report?.evidence.find(
      (e) => e.field === 'runtime' && (e.file === '.nvmrc' || e.file === '.node-version' || e.file === '.python-version'),
    );
    const old = facts.report?.runtime.version ?? null;
    const patchFile = pinned?.file ?? file;
    const patch = { file: patchFile, diff: unifiedDiff(patchFile, pinned && old ? [old] : null, [want]) };
    const runtime = isNode ? 'Node.js' : 'Python';
    return {
      rule: this.name,
      title: `Wrong ${runtime} version${current ? `: ${current}` : ''}, needs ${required}`,
      explanation:
        `The build used ${runtime} ${current ?? facts.report?.runtime.version ?? '(the default)'}, but the app or one of its dependencies requires ${required}. ` +
        (facts.target === 'cloudrun'
          ? `Pin the version in \`${patchFile}\` and the image is built on ${runtime} ${want}.`
          : `The local target builds with the ${runtime} installed on this machine: install ${runtime} ${want} here, or pin it in \`${patchFile}\` for Cloud Run.`),
      evidence: evidence(isNode ? node : python),
      fix: { summary: `Pin ${runtime} ${want} in ${patchFile}`, patch },
    };
  },
};

/** The lowest version a requirement like `>=20`, `^18.18.0 || >=20`, `>=3.10` admits, as a major (Node) or major.minor (Python). */
function wantedVersion(requirement: string, fallback: string): string {
  const versions = [...requirement.matchAll(/(\d+)(?:\.(\d+))?(?:\.\d+)*/g)].map((m) => ({
    major: Number(m[1]),
    minor: m[2] === undefined ? null : Number(m[2]),
  }));
  const last = versions.at(-1);
  if (!last) return fallback;
  return fallback.includes('.') ? `${last.major}.${last.minor ?? 0}` : String(last.major);
}
