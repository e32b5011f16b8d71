import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { accessTokenPath, DomainError, installAccessToken, servergemHome } from '#common';
import type { GatewayConfig } from './gateway.config.js';

/** The owner of everything made with the install's own token (and of what was made before tokens). */
export const LOCAL_OWNER = 'local';

type Source = { kind: 'install'; file: string } | { kind: 'configured' };

interface Entry {
  digest: Buffer;
  owner: string;
}

const digest = (token: string) => createHash('sha256').update(token).digest();

/**
 * The tokens this gateway accepts and whom each one stands for. Without AUTH_TOKEN that is the
 * install's own token (made on first start under SERVERGEM_HOME), owner `local`, so what a
 * loopback install made before keeps its owner; each configured token is its own `token:<hash>`.
 */
export class AccessTokens {
  private constructor(
    private readonly entries: readonly Entry[],
    private readonly source: Source,
    /** The install's own token, the one a login link may carry; configured tokens are never printed. */
    readonly loginToken: string | null,
    /** A token this gateway accepts, for the composition root and its tests. */
    readonly anyToken: string,
  ) {}

  static forConfig(config: Pick<GatewayConfig, 'AUTH_TOKEN' | 'SERVERGEM_HOME'>): AccessTokens {
    if (config.AUTH_TOKEN.length > 0) {
      const entries = config.AUTH_TOKEN.map((token) => ({ digest: digest(token), owner: `token:${digest(token).toString('hex').slice(0, 24)}` }));
      return new AccessTokens(entries, { kind: 'configured' }, null, config.AUTH_TOKEN[0]!);
    }
    const home = servergemHome(config.SERVERGEM_HOME);
    const token = installAccessToken(home);
    return new AccessTokens([{ digest: digest(token), owner: LOCAL_OWNER }], { kind: 'install', file: accessTokenPath(home) }, token, token);
  }

  /** Whom a presented token stands for; null when it is missing or not one of ours. */
  ownerOf(presented: unknown): string | null {
    if (typeof presented !== 'string' || presented.length === 0) return null;
    // Digests have one length, so the comparison says nothing about the token's length either.
    const given = digest(presented);
    let owner: string | null = null;
    for (const entry of this.entries) if (timingSafeEqual(entry.digest, given)) owner = entry.owner;
    return owner;
  }

  /** What a caller without a valid token is told: where the token is and how to send it. */
  refusal(): DomainError {
    const how = 'send it as `Authorization: Bearer <token>` (REST) or `auth.token` (Socket.IO)';
    const hint =
      this.source.kind === 'install'
        ? `This install's token is in ${this.source.file} on the server's machine. Open the login link ServerGem printed when it started, or ${how}; ` +
          'the servergem CLI reads it by itself when run with the same SERVERGEM_HOME, or takes SERVERGEM_TOKEN.'
        : `Use one of the tokens set in the server's AUTH_TOKEN: ${how}; the servergem CLI takes it from SERVERGEM_TOKEN, the web UI under "Access token".`;
    return new DomainError('UNAUTHORIZED', 'A valid access token is required.', hint);
  }
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}
