import type { protos, SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { DomainError, type SecretBox } from '#common';
import type { GoogleClientOptions } from './google-client-options.js';
import type { SecretFingerprint } from './secret-fingerprint.js';

type Secret = protos.google.cloud.secretmanager.v1.ISecret;

/** A Secret Manager reference a revision (or a build) reads a value through, pinned to one version. */
export interface SecretRef {
  /** The secret's id in the deployer's project. */
  secret: string;
  /** A version number, never `latest`: a revision keeps the value it was deployed with. */
  version: string;
}

/** Which versions of which secrets something still uses: secret id → version numbers. */
export type SecretUse = Map<string, Set<string>>;

/** What a secret is for: a revision's environment, or a build's mounts. */
export type SecretPurpose = 'runtime' | 'build';

const MANAGED_BY = 'managed-by';
const SERVICE_LABEL = 'servergem-service';
/** On build-time secrets only: no revision references them, so pruning leaves them be. */
const PURPOSE_LABEL = 'servergem-purpose';
/** `<version>:<HMAC of its value>`: the version ServerGem added last and what it holds. */
const FINGERPRINT = 'servergem-fingerprint';
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

/**
 * A service's secrets in Secret Manager. Each settings secret becomes the secret
 * `sg-<service>-<NAME>` (labelled `managed-by=servergem`) whose newest version holds the value; a
 * new version is added only when the value changed, which the secret's fingerprint annotation
 * tells without reading any value back. Values are opened from their sealed form only here.
 */
export class CloudRunSecrets {
  constructor(
    private readonly client: SecretManagerServiceClient,
    private readonly project: string,
    private readonly box: SecretBox,
    private readonly fingerprint: SecretFingerprint,
  ) {}

  /** The official client against the configured endpoint, loaded on first use (the local target never needs it). */
  static async connect(project: string, options: GoogleClientOptions, box: SecretBox, fingerprint: SecretFingerprint): Promise<CloudRunSecrets> {
    const { SecretManagerServiceClient } = await import('@google-cloud/secret-manager');
    return new CloudRunSecrets(new SecretManagerServiceClient(options), project, box, fingerprint);
  }

  /**
   * The secret id for a service's variable. A service name has no `_` and a variable name no `-`,
   * so the last `-` separates them and no two pairs share an id; a build-time secret's id starts
   * `sgb-`, so it is never a runtime secret's of the same name.
   */
  static secretId(service: string, name: string, purpose: SecretPurpose = 'runtime'): string {
    return `${purpose === 'build' ? 'sgb' : 'sg'}-${service}-${name}`;
  }

  /** Makes sure every sealed secret is in Secret Manager with its value; returns references pinned to a version. */
  async sync(
    service: string,
    sealed: Record<string, string>,
    log: (line: string) => void = () => undefined,
    purpose: SecretPurpose = 'runtime',
  ): Promise<Record<string, SecretRef>> {
    const refs: Record<string, SecretRef> = {};
    for (const [name, value] of Object.entries(sealed)) {
      refs[name] = await this.syncOne(service, name, this.open(service, name, value), log, purpose);
    }
    return refs;
  }

  /**
   * Lets go of what no revision uses any more: the service's secrets that are not in `inUse` are
   * deleted, and their versions that are not in it destroyed (the newest enabled one always stays).
   */
  async prune(service: string, inUse: SecretUse, log: (line: string) => void = () => undefined): Promise<void> {
    for (const secret of await this.managed(service)) {
      // A build-time secret is read by the next build, not by a revision: it goes with the service.
      if (secret.labels?.[PURPOSE_LABEL] === 'build') continue;
      const id = shortName(secret.name);
      const used = inUse.get(id);
      if (!used) {
        await this.call(`delete secret ${id}`, () => this.client.deleteSecret({ name: secret.name }));
        log(`Deleted secret ${id}: no revision of ${service} uses it any more`);
        continue;
      }
      const [versions] = await this.call(`list the versions of ${id}`, () =>
        this.client.listSecretVersions({ parent: secret.name, filter: 'state:ENABLED' }, { autoPaginate: true }),
      );
      const newest = Math.max(0, ...versions.map((v) => Number(shortName(v.name))));
      for (const version of versions) {
        const number = shortName(version.name);
        if (used.has(number) || Number(number) === newest) continue;
        await this.call(`destroy ${id} version ${number}`, () => this.client.destroySecretVersion({ name: version.name }));
        log(`Destroyed version ${number} of secret ${id}: no revision uses it any more`);
      }
    }
  }

  /** Deletes every secret ServerGem made for the service; returns their ids. */
  async deleteAll(service: string): Promise<string[]> {
    const deleted: string[] = [];
    for (const secret of await this.managed(service)) {
      await this.call(`delete secret ${shortName(secret.name)}`, () => this.client.deleteSecret({ name: secret.name }));
      deleted.push(shortName(secret.name));
    }
    return deleted;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async syncOne(service: string, name: string, value: string, log: (line: string) => void, purpose: SecretPurpose): Promise<SecretRef> {
    const id = CloudRunSecrets.secretId(service, name, purpose);
    const secret = await this.ensureSecret(service, id, purpose);
    const [number, mark] = (secret.annotations?.[FINGERPRINT] ?? '').split(':');
    if (number && mark && this.fingerprint.matches(value, mark)) {
      const [enabled] = await this.call(`list the versions of ${id}`, () =>
        this.client.listSecretVersions({ parent: secret.name, filter: 'state:ENABLED' }, { autoPaginate: true }),
      );
      // Unchanged only if that version is still the newest enabled one (nobody added or disabled one since).
      const newest = Math.max(0, ...enabled.map((v) => Number(shortName(v.name))));
      if (String(newest) === number) return { secret: id, version: number };
    }
    const [version] = await this.call(`add a version to ${id}`, () =>
      this.client.addSecretVersion({ parent: secret.name, payload: { data: Buffer.from(value, 'utf8') } }),
    );
    const added = shortName(version.name);
    // Written after the version: were this lost, the next sync only adds one more identical version.
    await this.call(`annotate ${id}`, () =>
      this.client.updateSecret({
        secret: { name: secret.name, annotations: { ...(secret.annotations ?? {}), [FINGERPRINT]: `${added}:${this.fingerprint.of(value)}` } },
        updateMask: { paths: ['annotations'] },
      }),
    );
    log(`Secret ${name} is ${id} version ${added} in Secret Manager`);
    return { secret: id, version: added };
  }

  private async ensureSecret(service: string, id: string, purpose: SecretPurpose): Promise<Secret> {
    const name = `projects/${this.project}/secrets/${id}`;
    let secret = await this.find(name);
    if (!secret) {
      try {
        [secret] = await this.client.createSecret({
          parent: `projects/${this.project}`,
          secretId: id,
          secret: {
            replication: { automatic: {} },
            labels: { [MANAGED_BY]: 'servergem', [SERVICE_LABEL]: service, ...(purpose === 'build' ? { [PURPOSE_LABEL]: 'build' } : {}) },
          },
        });
      } catch (error) {
        // Another deployment of the same service made it first.
        if (grpcCode(error) !== ALREADY_EXISTS) throw this.failure(`create secret ${id}`, error);
        secret = await this.find(name);
      }
    }
    if (!secret || secret.labels?.[MANAGED_BY] !== 'servergem' || secret.labels?.[SERVICE_LABEL] !== service) {
      throw new DomainError(
        'DEPLOY_FAILED',
        `Secret Manager already has a secret ${id} that ServerGem did not make for ${service}, so ServerGem leaves it alone.`,
        `Rename or delete that secret in project ${this.project}, or give the variable another name.`,
      );
    }
    return secret;
  }

  private async find(name: string): Promise<Secret | null> {
    try {
      return (await this.client.getSecret({ name }))[0];
    } catch (error) {
      if (grpcCode(error) === NOT_FOUND) return null;
      throw this.failure(`read secret ${shortName(name)}`, error);
    }
  }

  private async managed(service: string): Promise<Secret[]> {
    const [secrets] = await this.call(`list the secrets of ${service}`, () =>
      this.client.listSecrets(
        { parent: `projects/${this.project}`, filter: `labels.${MANAGED_BY}=servergem AND labels.${SERVICE_LABEL}=${service}` },
        { autoPaginate: true },
      ),
    );
    return secrets;
  }

  private open(service: string, name: string, sealed: string): string {
    try {
      return this.box.open(sealed);
    } catch {
      throw new DomainError(
        'DEPLOY_FAILED',
        `Secret ${name} of ${service} cannot be opened with this installation's key.`,
        'Every ServerGem service must share the same SERVERGEM_SECRET_KEY; set the secret again if the key changed.',
      );
    }
  }

  private async call<T>(doing: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.failure(doing, error);
    }
  }

  private failure(doing: string, error: unknown): DomainError {
    if (error instanceof DomainError) return error;
    const detail = error instanceof Error ? error.message : String(error);
    const hint =
      grpcCode(error) === 7
        ? `Give the deployer's credentials the Secret Manager Admin role (roles/secretmanager.admin) in project ${this.project}.`
        : `Check that the Secret Manager API is enabled in project ${this.project} and deploy again.`;
    return new DomainError('DEPLOY_FAILED', `ServerGem could not ${doing} in Secret Manager: ${detail}`, hint);
  }
}

function shortName(name: string | null | undefined): string {
  return (name ?? '').split('/').pop() ?? '';
}

function grpcCode(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number' ? error.code : undefined;
}
