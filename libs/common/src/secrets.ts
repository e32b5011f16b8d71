import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

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
}

/** Replaces every known secret, and its base64 forms, with a marker. */
export class Redactor {
  private readonly needles: string[];

  constructor(secrets: Iterable<string | undefined>) {
    const needles = new Set<string>();
    for (const secret of secrets) {
      if (!secret || secret.length < 6) continue;
      needles.add(secret);
      needles.add(Buffer.from(secret).toString('base64'));
      needles.add(Buffer.from(`x-access-token:${secret}`).toString('base64'));
      needles.add(encodeURIComponent(secret));
    }
    // Longest first, so a secret inside a longer encoded form is replaced whole.
    this.needles = [...needles].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const needle of this.needles) out = out.split(needle).join('[redacted]');
    return out;
  }
}
