import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** One version of a package, as the registry's abbreviated metadata gives it. */
export interface PackageVersion {
  name: string;
  version: string;
  bin?: string | Record<string, string>;
  optionalDependencies?: Record<string, string>;
  dist: { tarball: string; integrity?: string; shasum?: string; unpackedSize?: number };
}

export interface Packument {
  'dist-tags': Record<string, string>;
  versions: Record<string, PackageVersion>;
}

/**
 * The npm registry as the `local` target reads it: abbreviated metadata and tarballs, nothing
 * else. Every request is counted (what a cached build must not need is checked by it).
 */
export class NpmRegistry {
  requests = 0;

  constructor(readonly url: string) {}

  async packument(name: string): Promise<Packument> {
    const response = await this.get(`${this.url.replace(/\/$/, '')}/${name.replace('/', '%2f')}`, {
      accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8',
    });
    return (await response.json()) as Packument;
  }

  /**
   * Downloads a tarball to `dest`, checking it against the registry's integrity, and says how far
   * it has got (bytes so far, the total when known) as it goes.
   */
  async download(version: PackageVersion, dest: string, onProgress: (received: number, total: number | null) => void): Promise<void> {
    const response = await this.get(version.dist.tarball, {});
    const total = Number(response.headers.get('content-length')) || null;
    const expected = expectedHash(version);
    const hash = createHash(expected?.algorithm ?? 'sha512');
    const out = createWriteStream(dest, { mode: 0o600 });
    let received = 0;
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      received += chunk.length;
      onProgress(received, total);
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
    const digest = hash.digest(expected?.encoding ?? 'base64');
    if (expected && digest !== expected.value) {
      throw new Error(`the download of ${version.name}@${version.version} does not match the registry's ${expected.algorithm} checksum`);
    }
  }

  private async get(url: string, headers: Record<string, string>): Promise<Response> {
    this.requests += 1;
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: AbortSignal.timeout(120_000) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`${url} could not be reached (${cause?.code ?? cause?.message ?? (error as Error).message})`, { cause: error });
    }
    if (!response.ok) throw new Error(`${url} answered ${response.status} ${response.statusText}`);
    return response;
  }
}

function expectedHash(version: PackageVersion): { algorithm: string; encoding: 'base64' | 'hex'; value: string } | null {
  const sri = /^sha512-([A-Za-z0-9+/=]+)$/.exec(version.dist.integrity ?? '')?.[1];
  if (sri) return { algorithm: 'sha512', encoding: 'base64', value: sri };
  if (version.dist.shasum) return { algorithm: 'sha1', encoding: 'hex', value: version.dist.shasum };
  return null;
}

/** Whether `packageManager`'s `+sha512.<hex>` is the registry's record of this version's tarball. */
export function matchesPinnedHash(version: PackageVersion, sha512Hex: string): boolean {
  const sri = /^sha512-([A-Za-z0-9+/=]+)$/.exec(version.dist.integrity ?? '')?.[1];
  return sri !== undefined && Buffer.from(sri, 'base64').toString('hex') === sha512Hex;
}
