import type { Diagnosis } from '#contracts';
import { evidence, findLines, type DiagnosisRule, type FailureFacts } from '../diagnosis-rule.js';

const TOOLS: [RegExp, string, string][] = [
  [/can only install packages when your package\.json and package-lock\.json (?:or npm-shrinkwrap\.json )?are in sync/, 'package-lock.json', 'npm install'],
  [/Missing: .+ from lock file/, 'package-lock.json', 'npm install'],
  [/Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`/, 'yarn.lock', 'yarn install'],
  [/The lockfile would have been modified by this install, which is explicitly forbidden/, 'yarn.lock', 'yarn install'],
  [/ERR_PNPM_OUTDATED_LOCKFILE/, 'pnpm-lock.yaml', 'pnpm install'],
  [/lockfile had changes, but lockfile is frozen/, 'bun.lockb', 'bun install'],
  [/pyproject\.toml changed significantly since poetry\.lock was last generated/, 'poetry.lock', 'poetry lock'],
  [/Pipfile\.lock \(\w+\) out of date/, 'Pipfile.lock', 'pipenv lock'],
];

/** The lockfile does not match the manifest, so a frozen install refuses to run. */
export const lockfileRule: DiagnosisRule = {
  name: 'lockfile',
  diagnose(facts: FailureFacts): Diagnosis | null {
    const found = findLines(
      facts.lines,
      TOOLS.map(([pattern]) => pattern),
    );
    const hit = found.at(-1);
    if (!hit) return null;
    const [, lockfile, command] = TOOLS.find(([pattern]) => pattern.test(hit.line))!;
    const related = findLines(facts.lines, [/Missing: .+ from lock file/, /Invalid: lock file's .+ does not satisfy/]);
    return {
      rule: this.name,
      title: `${lockfile} is out of date`,
      explanation:
        `The install runs frozen from \`${lockfile}\` (so every build gets the same packages), and the lockfile no longer matches the manifest: ` +
        `a dependency was added or changed without updating it. Run \`${command}\` in the repository, commit \`${lockfile}\` and deploy again.`,
      evidence: evidence([...related, hit]),
      fix: { summary: `Run ${command} and commit ${lockfile}` },
    };
  },
};
