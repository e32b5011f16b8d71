import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { analyzeSource } from '../apps/analyzer/src/detect/analyze.js';
import { lintDockerfile } from '../apps/builder/src/dockerfile/dockerfile-policy.js';
import { planBuild } from '../apps/builder/src/dockerfile/generate.js';

// Every app of the analyzer's fixture corpus ServerGem can analyze, the builder must build.
const corpus = resolve(import.meta.dirname, '../apps/analyzer/fixtures');
const snapshots = resolve(import.meta.dirname, '../apps/builder/snapshots');
const apps = readdirSync(corpus).flatMap((eco) => readdirSync(join(corpus, eco)).map((app) => `${eco}/${app}`));

describe(planBuild.name, () => {
  it.each(apps)('%s: a Dockerfile that passes lint and policy, kept as a snapshot', async (name) => {
    const dir = join(corpus, name);
    const report = await analyzeSource(dir);
    if (report.language === 'gleam') {
      expect(() => planBuild(report)).toThrow(/cannot build gleam/);
      return;
    }
    const own = report.dockerfile ? readFileSync(join(dir, report.dockerfile), 'utf8') : null;
    const plan = planBuild(report, own);
    const findings = lintDockerfile(plan.dockerfile, { port: report.portFromEnv ? 8080 : report.port, strict: !plan.own });
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    if (!plan.own) {
      expect(findings).toEqual([]);
      expect(plan.dockerfile).toMatch(/^USER (?!root)/m);
      expect(plan.dockerfile).not.toMatch(/:latest\b/);
      expect(plan.dockerignore).toMatch(/^\.git$/m);
      expect(plan.dockerignore).toMatch(/^\.env$/m);
      expect(shellSyntaxErrors(plan.dockerfile)).toEqual([]);
      await expect(plan.dockerfile).toMatchFileSnapshot(join(snapshots, `${name}.Dockerfile`));
    }
  });
});

/** What `sh -n` (the image's /bin/sh reads RUN lines and `sh -c` CMDs) says about the shell text of each instruction. */
function shellSyntaxErrors(dockerfile: string): string[] {
  const errors: string[] = [];
  for (const instruction of DockerfileParser.parse(dockerfile).getInstructions()) {
    const keyword = instruction.getKeyword();
    const content = instruction.getArgumentsContent() ?? '';
    let script: string | null = null;
    if (keyword === 'RUN') script = content;
    if (keyword === 'CMD' && content.startsWith('[')) {
      const argv = JSON.parse(content) as string[];
      if (argv[0] === 'sh' && argv[1] === '-c') script = argv[2]!;
    }
    if (script === null) continue;
    const check = spawnSync('sh', ['-n', '-c', script], { encoding: 'utf8' });
    if (check.status !== 0) errors.push(`${keyword} ${script}: ${check.stderr.trim()}`);
  }
  return errors;
}
