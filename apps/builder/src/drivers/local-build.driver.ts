import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildArtifact } from '#contracts';
import { appIdentity, DomainError, handOver, parseCommand, runAsOf, runProcess, type AppIdentity, type InstallationLayout, type RunAs } from '#common';
import type { BuilderConfig } from '../builder.config.js';
import { assertPlanPolicy } from '../plan-policy.js';
import { provisionToolchain } from '../toolchain/provision.js';
import type { ToolchainCache } from '../toolchain/toolchain-cache.js';
import type { BuildDriver, BuildJob } from './build-driver.js';
import type { BuildProcesses } from './build-processes.js';

/**
 * The `local` target: the plan's install and build commands run natively in the release folder
 * (each deployment has its own, so a retry is safe), as the app user when ServerGem runs as root,
 * with the service's own HOME. Python gets a virtualenv of its own in the release, so nothing is
 * installed into the machine's Python.
 */
export class LocalBuildDriver implements BuildDriver {
  readonly name = 'local';

  constructor(
    private readonly config: BuilderConfig,
    private readonly layout: () => InstallationLayout,
    private readonly toolchains: () => ToolchainCache,
    private readonly processes?: BuildProcesses,
  ) {}

  async build(job: BuildJob): Promise<BuildArtifact> {
    const { reporter, appDir } = job;
    // The same policy as a generated Dockerfile: these commands run on this machine.
    assertPlanPolicy(job.report);
    const identity = await appIdentity(this.config.APP_USER);
    const runAs = runAsOf(identity);
    // ServerGem wrote the source; from here on it is the app user's, and only theirs.
    await handOver(job.sourceDir, runAs);
    const home = this.layout().prepareServiceHome(job.serviceName, runAs);
    const env = buildEnvironment({ path: this.config.PATH, lang: this.config.LANG, caCerts: this.config.NODE_EXTRA_CA_CERTS, home, appDir });
    // The package manager or runtime the app declares, from the toolchain cache, first on PATH.
    const toolchain = job.toolchain ? await provisionToolchain(job.toolchain, this.toolchains(), reporter, { env, cwd: appDir, runAs }) : null;
    if (toolchain) env.PATH = `${toolchain.binDir}:${env.PATH}`;
    const commands = [...job.report.commands.install, ...job.report.commands.build];
    // Even a standard-library app gets one: it pins the interpreter the app runs with.
    if (job.report.language === 'python' && !existsSync(join(appDir, '.venv'))) {
      // Without dependencies to install, pip is not needed in it (and seeding pip takes seconds).
      const withoutPip = job.report.commands.install.length === 0 ? ' --without-pip' : '';
      commands.unshift(`${await pythonBinary({ env, cwd: appDir, runAs, identity })} -m venv${withoutPip} .venv`);
    }
    const deadline = Date.now() + this.config.BUILD_TIMEOUT_SECONDS * 1000;
    for (const [index, command] of commands.entries()) {
      // Plain argv only (the policy refuses build commands that need a shell); `A=1 cmd` sets A for cmd.
      const parsed = parseCommand(command);
      const [program, ...args] = parsed.argv ?? [];
      if (!program) continue;
      // The service's build-time variables and secrets over ServerGem's few; what the command line sets over those.
      const commandEnv = { ...env, ...job.buildEnv, ...job.buildSecretValues, ...parsed.env };
      if (job.signal?.aborted) throw cancelledBuild(index === 0 ? 'before the build started' : `before \`${command}\``);
      // The provisioned tool has just run (`--version`, as the app user): a second probe would only cost its start-up.
      if (!toolchain || !existsSync(join(toolchain.binDir, program))) await requireToolchain(program, { env: commandEnv, cwd: appDir, runAs, identity });
      reporter.step('building', `Running ${command}`, index / Math.max(1, commands.length));
      reporter.log(`$ ${command}`);
      const attempt = job.attempt ?? 1;
      const result = await runProcess(program, args, {
        cwd: appDir,
        env: commandEnv,
        runAs,
        timeoutMs: Math.max(1000, deadline - Date.now()),
        onLine: reporter.logLine,
        // A cancel stops the command's whole process group: nothing the build started outlives it.
        signal: job.signal,
        // Recorded, so a later attempt (or any builder, once this one is gone) can stop it.
        onSpawn: (pid) => this.processes?.running(job.deploymentId, attempt, pid),
      }).finally(() => this.processes?.ended(job.deploymentId, attempt));
      if (result.cancelled) {
        reporter.log(`Stopped \`${command}\` and every process it started`);
        throw cancelledBuild(`during \`${command}\`; it and every process it started were stopped`);
      }
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
    return { kind: 'local', releaseDir: job.sourceDir, appDir, ...(toolchain ? { path: [toolchain.binDir] } : {}) };
  }
}

function cancelledBuild(when: string): DomainError {
  return new DomainError('CANCELLED', `The deployment was cancelled ${when}.`, 'Deploy again when you are ready.');
}

/**
 * What installs and builds see, and nothing more: none of ServerGem's own settings or secrets,
 * the service's own HOME (its package caches persist across releases), and the release's
 * virtualenv first on PATH when it has one, and the host's extra certificate authorities when it has some.
 */
export function buildEnvironment(base: { path: string; lang: string; caCerts?: string; home: string; appDir: string }): NodeJS.ProcessEnv {
  const venv = join(base.appDir, '.venv');
  return {
    PATH: `${join(venv, 'bin')}:${base.path}`,
    VIRTUAL_ENV: venv,
    HOME: base.home,
    LANG: base.lang,
    ...(base.caCerts ? { NODE_EXTRA_CA_CERTS: base.caCerts } : {}),
    CI: 'true',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_progress: 'false',
  };
}

/** How a toolchain probe runs: as the build will. */
interface Probe {
  env: NodeJS.ProcessEnv;
  cwd: string;
  runAs: RunAs | undefined;
  identity: AppIdentity;
}

async function pythonBinary(probe: Probe): Promise<string> {
  for (const candidate of ['python3', 'python']) {
    if (await runs(candidate, probe, probe.runAs)) return candidate;
  }
  throw new DomainError(
    'TOOLCHAIN_MISSING',
    'Python is not installed on this machine, so the local target cannot build this app.',
    'Install python3 on the ServerGem host, or deploy to Cloud Run.',
  );
}

/** Runtimes the `local` target cannot provision: the host has them, or the app goes to Cloud Run. */
const HOST_RUNTIMES: Record<string, string> = {
  go: 'Go',
  ruby: 'Ruby',
  bundle: 'Ruby (Bundler)',
  php: 'PHP',
  composer: 'PHP (Composer)',
  dotnet: '.NET',
  mix: 'Elixir',
  elixir: 'Elixir',
};

async function requireToolchain(program: string, probe: Probe): Promise<void> {
  if (program.startsWith('./') || program === 'mkdir' || program === 'cp') return;
  if (await runs(program, probe, probe.runAs)) return;
  const runtime = HOST_RUNTIMES[program];
  if (runtime && !(await runs(program, probe, undefined))) {
    throw new DomainError(
      'TOOLCHAIN_MISSING',
      `This app needs ${runtime}, and this host has none (\`${program}\` is not installed); the local target provisions pnpm, Yarn, Bun and Deno, but not ${runtime}.`,
      `Deploy it to the cloudrun target, which builds in a container with ${runtime}, or install ${runtime} on the ServerGem host.`,
    );
  }
  if (probe.identity.isolated && (await runs(program, probe, undefined))) {
    throw new DomainError(
      'TOOLCHAIN_MISSING',
      `${program} is installed where the app user ${probe.identity.user} cannot reach it, so the local target cannot build this app.`,
      `Install ${program} for every user (e.g. under /usr/local/bin, not inside /root), or deploy to Cloud Run.`,
    );
  }
  throw new DomainError(
    'TOOLCHAIN_MISSING',
    `${program} is not installed on this machine, so the local target cannot build this app.`,
    `Install ${program} on the ServerGem host (or deploy to Cloud Run, which builds in a container).`,
  );
}

async function runs(program: string, probe: Probe, runAs: RunAs | undefined): Promise<boolean> {
  const result = await runProcess(program, ['--version'], { env: probe.env, cwd: probe.cwd, runAs, timeoutMs: 30_000 }).catch(() => null);
  return result?.code === 0;
}
