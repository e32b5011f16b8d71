import { Injectable, Logger, Optional } from '@nestjs/common';
import { Redactor, SecretBox } from '#common';
import type { DeploymentEntity } from '../database/deployment.entity.js';
import { ServicesRepository } from '../services/services.repository.js';

/** Sealed values seen lately; a deployment's events arrive in bursts, so a few are enough. */
const CACHED = 64;

/**
 * The redactor for a deployment's secrets, opened from what is stored sealed (its GitHub token,
 * its service's secrets), so the orchestrator redacts everything it stores and logs once more,
 * whatever the workers did.
 */
@Injectable()
export class DeploymentRedactors {
  private readonly logger = new Logger(DeploymentRedactors.name);
  private readonly cache = new Map<string, Redactor>();
  private readonly none = new Redactor([]);

  constructor(
    private readonly secrets: SecretBox,
    // The module always provides it; code that makes one by hand for tokens only may leave it out.
    @Optional() private readonly services?: ServicesRepository,
  ) {}

  fromSealed(sealedToken: string | null | undefined): Redactor {
    if (!sealedToken) return this.none;
    return this.cached(sealedToken, () => [sealedToken]);
  }

  /** The deployment's token and every secret its service had up to the settings it uses (and the ones it brings). */
  async forDeployment(row: Pick<DeploymentEntity, 'sealedToken' | 'serviceId' | 'settingsVersion' | 'pendingSettings'>): Promise<Redactor> {
    const pending = [...Object.values(row.pendingSettings?.sealedSecrets ?? {}), ...Object.values(row.pendingSettings?.sealedBuildSecrets ?? {})];
    if (!row.serviceId && pending.length === 0) return this.fromSealed(row.sealedToken);
    const stored = row.serviceId && this.services ? await this.services.sealedSecrets(row.serviceId, row.settingsVersion ?? 2_147_483_647) : [];
    const sealed = [row.sealedToken, ...pending, ...stored].filter((v): v is string => Boolean(v));
    if (sealed.length === 0) return this.none;
    return this.cached(sealed.join('|'), () => sealed);
  }

  private cached(key: string, sealed: () => string[]): Redactor {
    const hit = this.cache.get(key);
    if (hit) return hit;
    const values: string[] = [];
    for (const value of sealed()) {
      try {
        values.push(this.secrets.open(value));
      } catch {
        // The workers have redacted already; what is stored is what they sent.
        this.logger.warn(
          'A sealed value of a deployment could not be unsealed here, so its events are stored as the workers redacted them. Set the same SERVERGEM_SECRET_KEY on every service.',
        );
      }
    }
    const redactor = values.length ? new Redactor(values) : this.none;
    if (this.cache.size >= CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, redactor);
    return redactor;
  }
}
