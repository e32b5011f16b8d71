import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { buildSubject, RequestOf, ResponseOf } from '#contracts';
import { DomainError, InstallationLayout, SecretBox, servergemHome } from '#common';
import { MessageBus, runWorkerStep, throwIfCancelled, type ProgressReporter } from '#messaging';
import { applyFilePatches, fetchSource, resolveSource } from '#source';
import { BUILDER_CONFIG, type BuilderConfig } from './builder.config.js';
import { lintDockerfile } from './dockerfile/dockerfile-policy.js';
import { planBuild, type BuildPlan } from './dockerfile/generate.js';
import type { BuildDriver } from './drivers/build-driver.js';
import { BuildProcesses } from './drivers/build-processes.js';
import { CloudBuildDriver } from './drivers/cloud-build.driver.js';
import { addSecretMounts } from './drivers/dockerfile-secret-mounts.js';
import { LocalBuildDriver } from './drivers/local-build.driver.js';
import { readReleaseFile, writeReleaseFile } from './release-files.js';
import { NpmRegistry } from './toolchain/npm-registry.js';
import { chooseToolchain, type ToolchainChoice } from './toolchain/provision.js';
import { ToolchainCache } from './toolchain/toolchain-cache.js';

/** How often a builder looks for builds whose builder died (SIGKILLed, crashed) to stop them. */
const REAP_EVERY_MS = 2000;

@Injectable()
export class BuilderService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly drivers: Record<string, BuildDriver>;
  private readonly processes: BuildProcesses;
  private readonly logger = new Logger(BuilderService.name);
  private reaper: NodeJS.Timeout | undefined;
  private installation: InstallationLayout | undefined;
  private toolchainCache: ToolchainCache | undefined;
  readonly registry: NpmRegistry;

  constructor(
    @Inject(BUILDER_CONFIG) private readonly config: BuilderConfig,
    private readonly bus: MessageBus,
    private readonly secrets: SecretBox,
  ) {
    this.registry = new NpmRegistry(config.NPM_REGISTRY_URL);
    this.processes = new BuildProcesses(join(servergemHome(config.SERVERGEM_HOME), 'builds'));
    this.drivers = {
      local: new LocalBuildDriver(
        config,
        () => this.layout(),
        () => this.toolchains(),
        this.processes,
      ),
    };
    if (config.GOOGLE_CLOUD_PROJECT) this.drivers.cloudbuild = new CloudBuildDriver(config);
  }

  /** A build left running by a builder that died is stopped: it would finish for nobody, or next to its retry. */
  onApplicationBootstrap(): void {
    const reap = () => {
      const stopped = this.processes.stopOrphans();
      if (stopped > 0)
        this.logger.warn(`Stopped ${stopped} build${stopped === 1 ? '' : 's'} left running by a builder that is gone; their jobs go to another delivery`);
    };
    reap();
    this.reaper = setInterval(reap, REAP_EVERY_MS);
    this.reaper.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.reaper);
  }

  async build(request: RequestOf<typeof buildSubject>): Promise<ResponseOf<typeof buildSubject>> {
    const token = this.secrets.openFromService(request.sealedToken);
    const buildSecretValues = this.openBuildSecrets(request.sealedBuildSecrets);
    return runWorkerStep(
      this.bus,
      // The token and the build-time secrets are redacted from every line the build reports.
      {
        deploymentId: request.deploymentId,
        stage: 'generating',
        secrets: [token, ...Object.values(buildSecretValues)],
        target: request.target,
        attempt: request.attempt,
      },
      async (reporter, signal) => {
        const { report } = request;
        const driver = this.drivers[request.target === 'local' ? 'local' : 'cloudbuild'];
        if (!driver) {
          throw new DomainError(
            'DEPLOY_FAILED',
            `The ${request.target} target has no build driver configured here.`,
            'Deploy with the local target, or configure Google Cloud.',
          );
        }
        // An earlier attempt given up for dead never finishes next to this one: what it still runs is stopped.
        if (this.processes.stopEarlier(request.deploymentId, request.attempt ?? 1) > 0) {
          reporter.log('Stopped the build an earlier attempt left running, and every process it started');
        }
        // Each attempt gets a folder of its own: a retried build starts clean and never empties one an earlier attempt may still use.
        const sourceDir = this.layout().prepareRelease(request.serviceName, request.deploymentId, request.attempt);
        const source = resolveSource(request.source.repoUrl, { allowLocal: this.config.ALLOW_LOCAL_SOURCES, allowedHosts: this.config.GIT_ALLOWED_HOSTS });
        reporter.step('generating', `Fetching the source at ${request.commitSha ? `commit ${request.commitSha.slice(0, 12)}` : 'the folder as it is now'}`);
        await fetchSource({ source, branch: request.source.branch, commitSha: request.commitSha, dest: sourceDir, token, onLine: reporter.logLine, signal });
        throwIfCancelled(signal);
        // The release's own copy is patched, never the repository or the folder it came from.
        if (request.source.patches?.length) for (const line of await applyFilePatches(sourceDir, report.appPath, request.source.patches)) reporter.log(line);
        const appDir = join(sourceDir, report.appPath);

        const own = report.dockerfile ? await readReleaseFile(sourceDir, appDir, report.dockerfile) : null;
        const toolchain = own ? null : await this.chooseToolchain(appDir, request, reporter);
        const plan = withBuildMounts(planBuild(report, own, toolchain), request);
        reporter.step('generating', plan.own ? "Using the repository's own Dockerfile" : 'Wrote the Dockerfile and .dockerignore');
        for (const line of plan.dockerfile.split('\n').filter((l) => l.trim() !== '')) reporter.log(line);
        const findings = lintDockerfile(plan.dockerfile, { port: report.portFromEnv ? 8080 : report.port, strict: !plan.own });
        for (const finding of findings) reporter.log(`${finding.severity}: Dockerfile line ${finding.line}: ${finding.message}`);
        const errors = findings.filter((f) => f.severity === 'error');
        if (errors.length > 0) {
          throw new DomainError(
            'BUILD_FAILED',
            `The Dockerfile breaks ServerGem's policy: ${errors.map((f) => f.message).join(' ')}`,
            'Fix the Dockerfile and deploy again.',
          );
        }
        if (!plan.own) await writeReleaseFile(sourceDir, appDir, 'Dockerfile', plan.dockerfile);
        await writeReleaseFile(sourceDir, appDir, '.dockerignore', plan.dockerignore);

        throwIfCancelled(signal);
        try {
          const artifact = await driver.build({ ...request, sourceDir, appDir, plan, toolchain, reporter, signal, buildSecretValues });
          return { artifact, dockerfile: plan.dockerfile, dockerignore: plan.dockerignore };
        } catch (error) {
          // A cancelled build leaves nothing behind: its processes are stopped, its half-made release goes.
          if ((error as DomainError).code === 'CANCELLED') await rm(sourceDir, { recursive: true, force: true, maxRetries: 5 }).catch(() => undefined);
          throw error;
        }
      },
    );
  }

  /** A local build's secrets, opened for its commands' environment only. */
  private openBuildSecrets(sealed: Record<string, string> | undefined): Record<string, string> {
    return Object.fromEntries(
      Object.entries(sealed ?? {}).map(([name, value]) => {
        try {
          return [name, this.secrets.open(value)];
        } catch {
          throw new DomainError(
            'BUILD_FAILED',
            `The build-time secret ${name} could not be opened with this builder's key.`,
            'Every ServerGem service must share the same SERVERGEM_SECRET_KEY; set the secret again if the key changed.',
          );
        }
      }),
    );
  }

  /**
   * The pnpm, Yarn, Bun or Deno version the app declares, settled once for the build and the
   * Dockerfile. A container build without it still works (the image's own), so there it is a warning.
   */
  private async chooseToolchain(appDir: string, request: RequestOf<typeof buildSubject>, reporter: ProgressReporter): Promise<ToolchainChoice | null> {
    try {
      return await chooseToolchain(appDir, request.report, this.toolchains(), reporter);
    } catch (error) {
      if (request.target === 'local' || !(error instanceof DomainError)) throw error;
      reporter.log(`warning: ${error.message} The Dockerfile leaves the version to the image.`);
      return null;
    }
  }

  /** Shared by every release and service: in the shared folder, where the app user can run them. */
  private toolchains(): ToolchainCache {
    this.toolchainCache ??= new ToolchainCache(join(this.layout().shared, 'toolchains'), this.registry);
    return this.toolchainCache;
  }

  /** Resolved on first use: it may create the shared folder, which only a build needs. */
  private layout(): InstallationLayout {
    this.installation ??= InstallationLayout.resolve({ home: servergemHome(this.config.SERVERGEM_HOME), sharedDir: this.config.SERVERGEM_SHARED_DIR });
    return this.installation;
  }
}

/**
 * A container build's build-time variables and secrets reach the generated Dockerfile's RUN lines
 * as BuildKit secret mounts, never as ARG or ENV (see `dockerBuildStep`). A repository's own
 * Dockerfile mounts them itself (`RUN --mount=type=secret,id=NAME,env=NAME`); a local build has no
 * Dockerfile to run, its commands get them in their environment.
 */
function withBuildMounts(plan: BuildPlan, request: RequestOf<typeof buildSubject>): BuildPlan {
  if (plan.own || request.target === 'local') return plan;
  const names = [...new Set([...Object.keys(request.buildEnv ?? {}), ...Object.keys(request.buildSecrets ?? {})])].sort();
  return names.length > 0 ? { ...plan, dockerfile: addSecretMounts(plan.dockerfile, names) } : plan;
}
