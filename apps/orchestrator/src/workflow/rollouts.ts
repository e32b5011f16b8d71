import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import type { ServiceSettings } from '#contracts';
import { SecretBox } from '#common';
import { DeploymentEntity } from '../database/deployment.entity.js';
import { EventLog, storableText } from '../deployments/event-log.service.js';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../orchestrator.config.js';
import { ServicesRepository } from '../services/services.repository.js';
import { buildTimeChanges, checkEnv, missingEnvError } from '../services/settings-change.js';
import { Abandoned } from './abandoned.js';

/** How often a deployment waiting for its service's rollout turn looks again. */
const ROLLOUT_POLL_MS = 200;
/** The states a deployment's row may still be changed in. */
const ACTIVE = In(['queued', 'running']);

/**
 * A service rolls out one revision at a time: the turn, and what a deployment settles in it — the
 * build a same-build revision is of, whether a rebuild was superseded, the newest settings.
 */
@Injectable()
export class Rollouts {
  /** How long a rollout turn is held without being renewed (an orchestrator that dies gives it up then): a deployment's lease. */
  private readonly leaseSeconds: number;

  constructor(
    private readonly db: DataSource,
    private readonly events: EventLog,
    private readonly services: ServicesRepository,
    private readonly box: SecretBox,
    @Inject(ORCHESTRATOR_CONFIG) config: Pick<OrchestratorConfig, 'DEPLOYMENT_LEASE_SECONDS'>,
  ) {
    this.leaseSeconds = config.DEPLOYMENT_LEASE_SECONDS;
  }

  /**
   * Waits for the service's rollout turn, then keeps it (renewed with the lease) until it is given
   * back: while one deployment moves a service to a new revision, no other one does, so two
   * settings changes made at once go live one after the other and the newest stays.
   */
  async turn(d: DeploymentEntity, serviceId: string, stop: AbortSignal): Promise<() => Promise<void>> {
    let waiting = false;
    while (!(await this.services.takeRolloutTurn(serviceId, d.id, this.leaseSeconds))) {
      if (stop.aborted) throw new Abandoned();
      if (!waiting) {
        waiting = true;
        await this.events.append(d.id, { stage: 'deploying', message: `Waiting for another deployment of ${d.serviceName} to finish its rollout` });
      }
      await new Promise((resolve) => setTimeout(resolve, ROLLOUT_POLL_MS));
    }
    const renew = setInterval(
      () => void this.services.takeRolloutTurn(serviceId, d.id, this.leaseSeconds).catch(() => undefined),
      (this.leaseSeconds / 3) * 1000,
    );
    renew.unref();
    return async () => {
      clearInterval(renew);
      await this.services.releaseRolloutTurn(serviceId, d.id).catch(() => undefined);
    };
  }

  /**
   * A new revision of the same build is of the build that serves when its turn comes: a rebuild
   * that went live while it waited (its build-time settings changed) is not undone by it.
   */
  async servingBuild(d: DeploymentEntity, serviceId: string): Promise<void> {
    const service = await this.services.byId(serviceId);
    if (!service?.currentDeploymentId || service.currentDeploymentId === d.id) return;
    const repo = this.db.getRepository(DeploymentEntity);
    const serving = await repo.findOneBy({ id: service.currentDeploymentId });
    if (!serving?.artifact || !serving.report || isDeepStrictEqual(serving.artifact, d.artifact)) return;
    d.artifact = serving.artifact;
    d.report = serving.report;
    d.commitSha = serving.commitSha;
    d.patches = serving.patches;
    const result = await repo.update({ id: d.id, status: ACTIVE }, { artifact: d.artifact, report: d.report, commitSha: d.commitSha, patches: d.patches });
    if (result.affected === 0) throw new Abandoned();
    await this.events.append(d.id, {
      stage: 'deploying',
      message: `The build serving ${service.name} changed meanwhile (deployment ${serving.id}): this revision is of that build`,
    });
  }

  /**
   * A rebuild whose build-time values were changed again while it was built, with a later build of
   * the service live or on its way with them: its image is stale, and going live after that one
   * would bring the old values back. It ends (cancelled, saying which deployment has its change
   * too) instead. Returns whether it did.
   */
  async superseded(d: DeploymentEntity, serviceId: string, built: ServiceSettings): Promise<boolean> {
    const service = await this.services.byId(serviceId);
    if (!service || service.settingsVersion <= d.settingsVersion!) return false;
    const stale = buildTimeChanges(built, await this.services.settings(service), (sealed) => this.open(sealed));
    if (stale.length === 0) return false;
    const later: { id: string }[] = await this.db.query(
      `SELECT id FROM deployments
        WHERE service_id = $1 AND id <> $2 AND kind <> 'settings' AND status IN ('queued', 'running', 'live')
          AND created_at > (SELECT created_at FROM deployments WHERE id = $2)
        ORDER BY created_at DESC LIMIT 1`,
      [serviceId, d.id],
    );
    const next = later[0]?.id;
    if (!next) return false;
    const message = `Superseded: build-time settings changed again while it was built (${stale.join(', ')}), and deployment ${next} builds ${service.name} with them (settings version ${service.settingsVersion}, which includes version ${d.settingsVersion}); this build is not rolled out.`;
    const hint = `Nothing to do: \`servergem services\` shows what serves; deployment ${next} is the one to follow.`;
    const result = await this.db.getRepository(DeploymentEntity).update(
      { id: d.id, status: ACTIVE },
      {
        status: 'cancelled',
        errorCode: 'CANCELLED',
        errorMessage: storableText(message),
        errorHint: storableText(hint),
        finishedAt: new Date(),
        sealedToken: null,
      },
    );
    if (result.affected === 0) throw new Abandoned();
    await this.events.append(d.id, { stage: 'cancelled', message, outcome: { kind: 'error', stage: 'deploying', code: 'CANCELLED', message, hint } });
    return true;
  }

  private open(sealed: string): string | null {
    try {
      return this.box.open(sealed);
    } catch {
      return null;
    }
  }

  /**
   * The service's newest settings, read in the deployment's rollout turn: a change stored while
   * this deployment was on its way rolls out with it, instead of being undone by it going live last
   * — unless it changed build-time values, which this deployment's image was built without.
   */
  async newestSettings(d: DeploymentEntity, serviceId: string, settings: ServiceSettings): Promise<ServiceSettings> {
    const service = await this.services.byId(serviceId);
    if (!service || service.settingsVersion <= d.settingsVersion!) return settings;
    const newer = await this.services.settings(service);
    // Build-time values are in the image: a newer version that changed them is not this build's to claim.
    const unbuilt = buildTimeChanges(settings, newer, (sealed) => this.open(sealed));
    if (unbuilt.length > 0) {
      await this.events.append(d.id, {
        stage: 'deploying',
        message: `Settings version ${service.settingsVersion} of ${service.name} came in meanwhile with build-time settings this build does not have (${unbuilt.join(', ')}): this revision stays at version ${d.settingsVersion}; a rebuild brings them (\`servergem redeploy ${service.name}\`)`,
      });
      return settings;
    }
    const env = checkEnv(d.report!, newer);
    if (env.missing.length > 0) throw missingEnvError(service.name, d.repoUrl, env.missing);
    const from = d.settingsVersion;
    d.settingsVersion = service.settingsVersion;
    await this.db.getRepository(DeploymentEntity).update({ id: d.id }, { settingsVersion: d.settingsVersion });
    await this.events.append(d.id, {
      stage: 'deploying',
      message: `Settings version ${d.settingsVersion} of ${service.name} came in meanwhile: this revision has it (it includes version ${from})`,
    });
    return newer;
  }
}
