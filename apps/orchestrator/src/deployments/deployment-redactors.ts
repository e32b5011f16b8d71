import { Injectable, Logger } from '@nestjs/common';
import { Redactor, SecretBox } from '#common';

/** Sealed values seen lately; a deployment's events arrive in bursts, so a few are enough. */
const CACHED = 64;

/**
 * The redactor for a deployment's secrets, opened from what the deployment row holds sealed (its
 * GitHub token), so the orchestrator redacts everything it stores and logs once more, whatever
 * the workers did.
 */
@Injectable()
export class DeploymentRedactors {
  private readonly logger = new Logger(DeploymentRedactors.name);
  private readonly cache = new Map<string, Redactor>();
  private readonly none = new Redactor([]);

  constructor(private readonly secrets: SecretBox) {}

  fromSealed(sealedToken: string | null | undefined): Redactor {
    if (!sealedToken) return this.none;
    const cached = this.cache.get(sealedToken);
    if (cached) return cached;
    let redactor = this.none;
    try {
      redactor = new Redactor([this.secrets.open(sealedToken)]);
    } catch {
      // The workers have redacted with the token already; what is stored is what they sent.
      this.logger.warn(
        'A deployment’s GitHub token could not be unsealed here, so its events are stored as the workers redacted them. Set the same SERVERGEM_SECRET_KEY on every service.',
      );
    }
    if (this.cache.size >= CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(sealedToken, redactor);
    return redactor;
  }
}
