import { Inject, Injectable } from '@nestjs/common';
import type { buildSubject, RequestOf, ResponseOf } from '#contracts';
import { DomainError, Redactor, SecretBox } from '#common';
import { MessageBus, ProgressReporter } from '#messaging';
import { BUILDER_CONFIG, type BuilderConfig } from './builder.config.js';
import { DOCKERIGNORE, nodeDockerfile } from './dockerfile/node.dockerfile.js';
import type { BuildDriver } from './drivers/build-driver.js';
import { LocalBuildDriver } from './drivers/local-build.driver.js';

@Injectable()
export class BuilderService {
  private readonly drivers: Record<string, BuildDriver>;

  constructor(
    @Inject(BUILDER_CONFIG) config: BuilderConfig,
    private readonly bus: MessageBus,
    private readonly secrets: SecretBox,
  ) {
    this.drivers = { local: new LocalBuildDriver(config) };
  }

  async build(request: RequestOf<typeof buildSubject>): Promise<ResponseOf<typeof buildSubject>> {
    const token = request.sealedToken ? this.secrets.open(request.sealedToken) : undefined;
    const reporter = new ProgressReporter(this.bus, request.deploymentId, 'generating', new Redactor([token]));
    try {
      const report = request.report;
      if (report.language !== 'node') {
        throw new DomainError('UNSUPPORTED_APP', `ServerGem cannot build ${report.language} apps yet.`, 'Supported so far: Node.js.');
      }
      reporter.step('generating', 'Writing the Dockerfile and .dockerignore');
      const dockerfile = nodeDockerfile(report);
      for (const line of dockerfile.split('\n')) reporter.log(line);
      const driver = this.drivers[request.target === 'local' ? 'local' : 'cloudbuild'];
      if (!driver) {
        throw new DomainError(
          'DEPLOY_FAILED',
          `The ${request.target} target has no build driver configured here.`,
          'Deploy with the local target, or configure Google Cloud.',
        );
      }
      const artifact = await driver.build({ ...request, token, dockerfile, dockerignore: DOCKERIGNORE, reporter });
      await reporter.flush();
      return { artifact, dockerfile, dockerignore: DOCKERIGNORE };
    } catch (error) {
      await reporter.flush().catch(() => undefined);
      throw error;
    }
  }
}
