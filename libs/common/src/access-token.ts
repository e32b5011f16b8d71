import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The install's own access token lives in this file under `$SERVERGEM_HOME`. */
export const ACCESS_TOKEN_FILE = 'access-token';
/** Shorter tokens are guessable; the gateway refuses to start with one. */
export const MIN_ACCESS_TOKEN_LENGTH = 32;
/** How a person makes a token long enough (48 hex characters). */
export const MAKE_A_TOKEN = 'openssl rand -hex 24';

export function accessTokenPath(home: string): string {
  return join(home, ACCESS_TOKEN_FILE);
}

/**
 * The install's own access token: 32 random bytes (base64url) written once, on first start, to a
 * file only its owner can read. Later starts read the same token, so a browser logged in stays so.
 */
export function installAccessToken(home: string): string {
  const file = accessTokenPath(home);
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Made on an earlier start (or by another service of the same install a moment ago).
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // A copy or an editor may have left it readable by others; it is a password.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < MIN_ACCESS_TOKEN_LENGTH) {
    throw new Error(
      `ServerGem cannot start: ${file} holds an access token shorter than ${MIN_ACCESS_TOKEN_LENGTH} characters.\n` +
        `Delete the file to have a new token made on the next start, or write a long random one into it (${MAKE_A_TOKEN}).`,
    );
  }
  return token;
}

/** The install's token for a client on the same machine, or null when the server has not made one here. */
export function readAccessToken(home: string): string | null {
  try {
    const token = readFileSync(accessTokenPath(home), 'utf8').trim();
    return token.length > 0 ? token : null;
  } catch {
    return null;
  }
}
