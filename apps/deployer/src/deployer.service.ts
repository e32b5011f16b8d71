import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { deploySubject, RequestOf, ResponseOf } from '#contracts';
import { DomainError } from '#common';
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

  constructor(
    @Inject(DEPLOYER_CONFIG) config: DeployerConfig,
    private readonly bus: MessageBus,
  ) {
    this.runtime = new LocalDeployDriver(config);
    this.drivers = { local: this.runtime };
    if (config.GOOGLE_CLOUD_PROJECT) this.drivers.cloudrun = new CloudRunDeployDriver(config);
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
    // The deployer is given no secrets yet; the orchestrator redacts what it stores with the deployment's own.
    return runWorkerStep(this.bus, { deploymentId: request.deploymentId, stage: 'deploying', secrets: [] }, (reporter) =>
      driver.deploy({ ...request, reporter }),
    );
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
