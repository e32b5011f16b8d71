import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DomainError } from '#common';
import { validateAppPath } from '#source';
import { analyzeSource } from '../../../analyzer/src/detect/analyze.js';
import { lintDockerfile } from '../../../builder/src/dockerfile/dockerfile-policy.js';
import { planBuild } from '../../../builder/src/dockerfile/generate.js';

/** `servergem plan <path>`: the Dockerfile and .dockerignore ServerGem would build, and the lint findings. */
export async function planCommand(path: string, options: { json: boolean; appPath?: string }): Promise<number> {
  const root = resolve(path);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new DomainError('REPO_NOT_FOUND', `There is no folder at ${root}.`, 'Check the path and try again.');
  }
  const report = await analyzeSource(root, validateAppPath(options.appPath));
  const own = report.dockerfile ? readFileSync(join(root, report.appPath, report.dockerfile), 'utf8') : null;
  const plan = planBuild(report, own);
  const findings = lintDockerfile(plan.dockerfile, { port: report.portFromEnv ? 8080 : report.port, strict: !plan.own });
  if (options.json) {
    console.log(JSON.stringify({ dockerfile: plan.dockerfile, dockerignore: plan.dockerignore, findings }, null, 2));
    return findings.some((f) => f.severity === 'error') ? 1 : 0;
  }
  console.log(`# Dockerfile${plan.own ? " (the repository's own)" : ''}\n${plan.dockerfile}`);
  console.log(`# .dockerignore\n${plan.dockerignore}`);
  if (findings.length === 0) console.log('Lint and policy: no findings.');
  for (const finding of findings) console.log(`${finding.severity}: line ${finding.line} (${finding.rule}): ${finding.message}`);
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}
