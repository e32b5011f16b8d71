import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { serviceSettingsSchema, type deploySubject, type RequestOf, type ResponseOf, type ServiceSettings, type Target } from '#contracts';
import { DomainError, SecretBox, secretKey } from '#common';
import { MessageBus, runWorkerStep } from '#messaging';
import { DEPLOYER_CONFIG, type DeployerConfig } from './deployer.config.js';
import { CloudRunDeployDriver } from './drivers/cloud-run.driver.js';
import type { DeployDriver } from './drivers/deploy-driver.js';
import { LocalDeployDriver } from './drivers/local-deploy.driver.js';

@Injectable()
export class DeployerService implements OnApplicationBootstrap, OnApplicationShutdown {
  /** The local runtime, also answering the `deployer.services.*` subjects. */
  readonly runtime: LocalDeployDriver;
  private readonly drivers: Record<string, DeployDriver>;
  private readonly cloudRun: CloudRunDeployDriver | undefined;

  constructor(
    @Inject(DEPLOYER_CONFIG) private readonly config: DeployerConfig,
    private readonly bus: MessageBus,
  ) {
    this.runtime = new LocalDeployDriver(config);
    this.drivers = { local: this.runtime };
    if (config.GOOGLE_CLOUD_PROJECT) {
      // The installation key opens the services' sealed secrets on their way into Secret Manager.
      this.cloudRun = new CloudRunDeployDriver(config, { installationKey: secretKey(config) });
      this.drivers.cloudrun = this.cloudRun;
    }
  }

  /**
   * The Cloud Run driver for a service operation. The local runtime answers its operations through
   * `runtime`; the ones it does not have (status, traffic, start, delete) are said to be missing.
   */
  cloud(target: Target, operation: string): CloudRunDeployDriver {
    if (target === 'local') {
      throw new DomainError(
        'VALIDATION_FAILED',
        `The local target has no ${operation} operation yet.`,
        'Use it on a Cloud Run service (target cloudrun), or the local operations that exist: list, revisions, rollback, logs, stop.',
      );
    }
    if (!this.cloudRun) {
      throw new DomainError(
        'SERVICE_UNAVAILABLE',
        'The cloudrun target is not configured on this deployer.',
        'Set GOOGLE_CLOUD_PROJECT and credentials on the deployer.',
      );
    }
    return this.cloudRun;
  }

  async deploy(request: RequestOf<typeof deploySubject>): Promise<ResponseOf<typeof deploySubject>> {
    const driver = this.drivers[request.target];
    if (!driver) {
      throw new DomainError(
        'DEPLOY_FAILED',
        `The ${request.target} target is not configured on this deployer.`,
        'Deploy with the local target, or configure Google Cloud.',
      );
    }
    // Parsed again for its defaults: the request type is what a sender may leave out.
    const settings = request.settings ? serviceSettingsSchema.parse(request.settings) : undefined;
    // The service's own secrets are redacted from every line this step reports.
    return runWorkerStep(
      this.bus,
      { deploymentId: request.deploymentId, stage: 'deploying', secrets: this.openSecrets(settings), target: request.target, attempt: request.attempt },
      (reporter, signal) => driver.deploy({ ...request, settings, reporter, signal }),
    );
  }

  /** The settings' secret values, for redaction only; one that does not open is left to the driver to report. */
  private openSecrets(settings: ServiceSettings | undefined): string[] {
    const sealed = Object.values(settings?.secrets ?? {});
    if (sealed.length === 0) return [];
    const box = new SecretBox(secretKey(this.config));
    return sealed.flatMap((value) => {
      try {
        return [box.open(value)];
      } catch {
        return [];
      }
    });
  }

  /** Apps deployed before this deployer started are re-adopted (or restarted) before it takes work. */
  async onApplicationBootstrap(): Promise<void> {
    await this.runtime.adoptAll();
  }

  /** Apps keep running while ServerGem is down; stopping one is an explicit operation. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(Object.values(this.drivers).map((d) => d.close()));
  }
}
