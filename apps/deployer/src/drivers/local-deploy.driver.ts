import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { ServiceRevision, ServiceSummary } from '#contracts';
import { appIdentity, DomainError, InstallationLayout, runAsOf, SecretBox, secretKey, servergemHome } from '#common';
import type { DeployerConfig } from '../deployer.config.js';
import { stopProcess } from '../runtime/app-process.js';
import { stopFrontDoor } from '../runtime/front-door.js';
import { listStateNames, readState, serviceDir, writeState } from '../runtime/runtime-state.js';
import { ProcessTable } from '../runtime/process-usage.js';
import { SupervisedService, type RuntimeSettings } from '../runtime/supervised-service.js';
import type { DeployDriver, DeployJob, DeployResult } from './deploy-driver.js';
import { portInUse } from './free-port.js';

/**
 * The `local` runtime, shaped like Cloud Run: each service keeps one URL (its front door) across
 * deployments and rollbacks, its app is supervised and restarted when it crashes, the last few
 * releases are kept, and apps outlive ServerGem: a restarted deployer re-adopts them.
 */
export class LocalDeployDriver implements DeployDriver {
  readonly name = 'local';
  private readonly logger = new Logger(LocalDeployDriver.name);
  private readonly home: string;
  private readonly services = new Map<string, Promise<SupervisedService>>();
  private settings: Promise<RuntimeSettings> | undefined;

  constructor(private readonly config: DeployerConfig) {
    this.home = servergemHome(config.SERVERGEM_HOME);
  }

  /** Brings every service recorded under `$SERVERGEM_HOME/runtime` back: adopted if alive, else restarted. */
  async adoptAll(): Promise<void> {
    await Promise.all(
      listStateNames(this.home).map((name) =>
        this.service(name).catch((error: unknown) => this.logger.error(`Could not bring ${name} back: ${String(error)}`)),
      ),
    );
  }

  async deploy(job: DeployJob): Promise<DeployResult> {
    const { reporter, report, artifact } = job;
    if (artifact.kind !== 'local') {
      throw new DomainError('DEPLOY_FAILED', 'The local runtime can only run local builds.', 'Deploy with the local target.');
    }
    const settings = job.settings;
    const startCommand = settings?.startCommand ?? report.commands.start;
    if (!startCommand) {
      throw new DomainError(
        'DEPLOY_FAILED',
        'ServerGem found no start command for this app.',
        'Add a "start" script to package.json, or set one: `PATCH /api/services/<name>/settings` with `{ "startCommand": "…" }`.',
      );
    }
    // A port in the settings is where the app listens whatever PORT says; else the analysis decides.
    const fixedPort = settings?.port ?? (report.portFromEnv || report.port === null ? null : report.port);
    const service = await this.service(job.serviceName);
    if (fixedPort !== null && service.summary().revision !== job.deploymentId && (await portInUse(this.config.APP_HOST, fixedPort))) {
      // The app ignores PORT and listens where its code says; that port must be free.
      throw new DomainError(
        'DEPLOY_FAILED',
        `The app listens on port ${fixedPort}, which is already in use.`,
        'Make the app read the PORT environment variable, or free the port.',
      );
    }
    const names = [...Object.keys(settings?.env ?? {}), ...Object.keys(settings?.secrets ?? {})];
    reporter.step('deploying', `Starting \`${startCommand}\`${names.length ? ` with ${names.sort().join(', ')} set` : ''}`);
    let live = false;
    const started = service.deploy(
      {
        deploymentId: job.deploymentId,
        releaseDir: artifact.releaseDir,
        appDir: artifact.appDir,
        ...(artifact.path ? { path: artifact.path } : {}),
        startCommand,
        fixedPort,
        createdAt: new Date().toISOString(),
        env: settings?.env ?? {},
        sealedSecrets: settings?.secrets ?? {},
        healthCheckPath: settings?.healthCheckPath ?? '/',
        settingsVersion: job.settingsVersion ?? null,
      },
      (line) => {
        if (!live) reporter.log(line);
      },
      job.signal,
      job.attempt,
    );
    reporter.step('verifying', `Waiting for the app to answer HTTP`);
    await started;
    live = true;
    reporter.log(`${service.url} answers HTTP (revision ${job.deploymentId})`);
    return { url: service.url, serviceName: job.serviceName, region: 'local', image: `local:${job.deploymentId}` };
  }

  async list(): Promise<ServiceSummary[]> {
    await this.adoptAll();
    const services = await Promise.all([...this.services.values()]);
    const processes = ProcessTable.read();
    return services.map((s) => s.summary(processes)).sort((a, b) => a.name.localeCompare(b.name));
  }

  async revisions(name: string): Promise<ServiceRevision[]> {
    return (await this.existing(name)).revisions();
  }

  async rollback(name: string, revision?: string): Promise<{ name: string; revision: string; url: string }> {
    const service = await this.existing(name);
    const target = await service.rollback(revision);
    return { name, revision: target.deploymentId, url: service.url };
  }

  async logs(name: string, tail: number): Promise<string[]> {
    const service = await this.existing(name);
    service.log.catchUp();
    return service.log.tail(tail);
  }

  async stop(name: string): Promise<ServiceSummary> {
    const service = await this.existing(name);
    await service.stop();
    return service.summary();
  }

  /** Stops the app and its URL and removes the service: state, log, releases and HOME. */
  async delete(name: string): Promise<{ name: string; secrets: string[] }> {
    const service = await this.existing(name);
    await service.stop();
    await service.closeFrontDoor();
    await service.close();
    this.services.delete(name);
    const layout = InstallationLayout.resolve({ home: this.home, sharedDir: this.config.SERVERGEM_SHARED_DIR });
    for (const dir of [serviceDir(this.home, name), join(layout.shared, 'releases', name), layout.serviceHome(name)]) {
      rmSync(dir, { recursive: true, force: true });
    }
    return { name, secrets: [] };
  }

  /** Stops every app and front door this home knows of, adopted or not (tests, and an explicit "stop everything"). */
  async stopAll(): Promise<void> {
    const open = await Promise.all([...this.services.values()].map((p) => p.catch(() => null)));
    for (const service of open) {
      if (!service) continue;
      await service.stop();
      await service.closeFrontDoor();
      await service.close();
    }
    this.services.clear();
    for (const name of listStateNames(this.home)) {
      const state = readState(this.home, name);
      if (!state?.process && !state?.candidate && !state?.frontDoor) continue;
      for (const recorded of [state.process, state.candidate]) if (recorded) await stopProcess(recorded);
      if (state.frontDoor) await stopFrontDoor(state.frontDoor);
      writeState(this.home, { ...state, desired: 'stopped', process: null, candidate: null, frontDoor: null });
    }
  }

  /** Lets go of every service without stopping the apps or their front doors: they keep serving while ServerGem is down. */
  async close(): Promise<void> {
    const open = await Promise.all([...this.services.values()].map((p) => p.catch(() => null)));
    this.services.clear();
    await Promise.all(open.map((s) => s?.close()));
  }

  private service(name: string): Promise<SupervisedService> {
    let service = this.services.get(name);
    if (!service) {
      service = this.runtimeSettings().then((settings) => SupervisedService.open(settings, name));
      this.services.set(name, service);
      void service.catch(() => this.services.delete(name));
    }
    return service;
  }

  /** Who apps run as is settled once, when the first service is opened. */
  private runtimeSettings(): Promise<RuntimeSettings> {
    this.settings ??= appIdentity(this.config.APP_USER).then((identity) => ({
      home: this.home,
      layout: InstallationLayout.resolve({ home: this.home, sharedDir: this.config.SERVERGEM_SHARED_DIR }),
      host: this.config.APP_HOST,
      proxyHost: this.config.APP_PROXY_HOST ?? this.config.APP_HOST,
      // A proxy on every address is reached, from here, at the apps' address.
      urlHost:
        this.config.APP_URL_HOST ?? (isWildcard(this.config.APP_PROXY_HOST) ? this.config.APP_HOST : (this.config.APP_PROXY_HOST ?? this.config.APP_HOST)),
      proxyPorts: this.config.APP_PORT_RANGE,
      startTimeoutMs: this.config.APP_START_TIMEOUT_SECONDS * 1000,
      runAs: runAsOf(identity),
      path: this.config.PATH,
      lang: this.config.LANG,
      caCerts: this.config.NODE_EXTRA_CA_CERTS,
      openSecret: (sealed: string) => this.box().open(sealed),
    }));
    // A folder that could not be made is not remembered: the next deployment tries again.
    this.settings.catch(() => (this.settings = undefined));
    return this.settings;
  }

  private secretBox: SecretBox | undefined;

  /** The installation key opens the services' secrets, only into their apps' environments. */
  private box(): SecretBox {
    this.secretBox ??= new SecretBox(secretKey(this.config));
    return this.secretBox;
  }

  private async existing(name: string): Promise<SupervisedService> {
    if (!this.services.has(name) && !listStateNames(this.home).includes(name)) {
      throw new DomainError('NOT_FOUND', `There is no service called ${name}.`, 'List the services with `servergem status`.');
    }
    return this.service(name);
  }
}

function isWildcard(host: string | undefined): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}
