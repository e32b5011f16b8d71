import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { DomainError } from './domain-error.js';

/**
 * Seals secrets (a GitHub token) so they never travel over NATS or sit in the database in clear.
 * AES-256-GCM with a key every service of one installation shares.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHash('sha256').update(secret).digest();
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('Not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Seals each value of a map of names to values (variables, secrets), keeping the names. */
  sealAll(values: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, this.seal(value)]));
  }

  /** Opens each value of a map `sealAll` made. */
  openAll(sealed: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(sealed).map(([name, value]) => [name, this.open(value)]));
  }

  /** Opens a sealed value that came from another service; one sealed with another key is a clear error. */
  openFromService(sealed: string | null | undefined): string | undefined {
    if (!sealed) return undefined;
    try {
      return this.open(sealed);
    } catch {
      throw new DomainError(
        'VALIDATION_FAILED',
        'The GitHub token could not be unsealed.',
        'Every service must share the same SERVERGEM_SECRET_KEY; send the token again through the gateway.',
      );
    }
  }
}
