import { createHash, timingSafeEqual } from 'node:crypto';

/** The owner of everything created without a token on a loopback-only server. */
export const LOCAL_OWNER = 'local';

/**
 * Who a presented token belongs to: `local` when no tokens are configured, `token:<hash>` for a
 * configured token, null when the token is missing or wrong.
 */
export function ownerFor(tokens: readonly string[], presented: unknown): string | null {
  if (tokens.length === 0) return LOCAL_OWNER;
  if (typeof presented !== 'string' || presented.length === 0) return null;
  const given = Buffer.from(presented);
  for (const token of tokens) {
    const expected = Buffer.from(token);
    if (expected.length === given.length && timingSafeEqual(expected, given)) {
      return `token:${createHash('sha256').update(token).digest('hex').slice(0, 24)}`;
    }
  }
  return null;
}
