import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Tells whether a secret's value changed without keeping the value or a plain hash of it anywhere:
 * an HMAC-SHA256 under a key derived from the installation key. Someone who can read the
 * fingerprint (a Secret Manager viewer) cannot test guesses of a short secret against it.
 */
export class SecretFingerprint {
  private readonly key: Buffer;

  constructor(installationKey: string) {
    this.key = Buffer.from(hkdfSync('sha256', installationKey, Buffer.alloc(0), 'servergem secret fingerprint v1', 32));
  }

  of(value: string): string {
    return createHmac('sha256', this.key).update(value, 'utf8').digest('base64url');
  }

  matches(value: string, fingerprint: string): boolean {
    const expected = Buffer.from(this.of(value));
    const given = Buffer.from(fingerprint);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
