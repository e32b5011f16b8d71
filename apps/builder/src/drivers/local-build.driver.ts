import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildArtifact } from '#contracts';
import { DomainError, runProcess, servergemHome, splitCommand } from '#common';
import { fetchSource, resolveSource } from '#source';
import type { BuilderConfig } from '../builder.config.js';
import type { BuildDriver, BuildJob } from './build-driver.js';

/**
 * The `local` target: the source at its commit in a release folder of its own, with the plan's
 * install and build commands run natively. Each deployment gets a fresh folder, so a retry is safe.
 */
export class LocalBuildDriver implements BuildDriver {
  readonly name = 'local';

  constructor(private readonly config: BuilderConfig) {}

  async build(job: BuildJob): Promise<BuildArtifact> {
    const { reporter } = job;
    const releaseDir = join(servergemHome(), 'releases', job.serviceName, job.deploymentId);
    const source = resolveSource(job.source.repoUrl, { allowLocal: this.config.ALLOW_LOCAL_SOURCES, allowedHosts: this.config.GIT_ALLOWED_HOSTS });
    reporter.step('building', `Preparing the release folder at ${job.commitSha ? `commit ${job.commitSha.slice(0, 12)}` : 'the folder as it is now'}`, 0);
    await fetchSource({ source, branch: job.source.branch, commitSha: job.commitSha, dest: releaseDir, token: job.token, onLine: reporter.logLine });
    const appDir = join(releaseDir, job.report.appPath);
    if (!existsSync(join(appDir, 'Dockerfile'))) await writeFile(join(appDir, 'Dockerfile'), job.dockerfile);
    await writeFile(join(appDir, '.dockerignore'), job.dockerignore);

    const commands = [...job.report.commands.install, ...job.report.commands.build];
    const deadline = Date.now() + this.config.BUILD_TIMEOUT_SECONDS * 1000;
    for (const [index, command] of commands.entries()) {
      const [program, ...args] = splitCommand(command);
      if (!program) continue;
      await this.requireToolchain(program);
      reporter.step('building', `Running ${command}`, index / Math.max(1, commands.length));
      reporter.log(`$ ${command}`);
      const result = await runProcess(program, args, {
        cwd: appDir,
        env: buildEnvironment(),
        timeoutMs: Math.max(1000, deadline - Date.now()),
        onLine: reporter.logLine,
      });
      if (result.timedOut) {
        throw new DomainError(
          'BUILD_FAILED',
          `The build took longer than ${this.config.BUILD_TIMEOUT_SECONDS} s (during \`${command}\`).`,
          'Make the build faster, or raise BUILD_TIMEOUT_SECONDS.',
          result.lastLines,
        );
      }
      if (result.code !== 0) {
        throw new DomainError(
          'BUILD_FAILED',
          `\`${command}\` failed with exit code ${result.code ?? result.signal}.`,
          'Read the build log above, fix the error in the repository and deploy again.',
          result.lastLines,
        );
      }
    }
    reporter.step('building', commands.length ? 'Build finished' : 'Nothing to install or build', 1);
    return { kind: 'local', releaseDir, appDir };
  }

  private async requireToolchain(program: string): Promise<void> {
    const probe = await runProcess(program, ['--version'], { env: buildEnvironment(), timeoutMs: 30_000 }).catch(() => null);
    if (!probe || probe.code !== 0) {
      throw new DomainError(
        'TOOLCHAIN_MISSING',
        `${program} is not installed on this machine, so the local target cannot build this app.`,
        `Install ${program} on the ServerGem host (or deploy to Cloud Run, which builds in a container).`,
      );
    }
  }
}

/** The build sees a plain environment: none of ServerGem's own settings or secrets. */
function buildEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: process.env.LANG ?? 'C.UTF-8',
    CI: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_progress: 'false',
  };
}
