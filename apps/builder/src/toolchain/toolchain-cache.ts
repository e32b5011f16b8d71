import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import semver from 'semver';
import { distributionOf } from './distributions.js';
import { matchesPinnedHash, type NpmRegistry, type PackageVersion } from './npm-registry.js';
import type { ToolchainRequest, ToolName } from './toolchain-request.js';

const run = promisify(execFile);
const RECORD = 'toolchain.json';
/** A lock whose holder stopped refreshing it this long ago was left by a build that died. */
const STALE_LOCK_MS = 2 * 60_000;
const LOCK_WAIT_MS = 15 * 60_000;

export interface Toolchain {
  tool: ToolName;
  version: string;
  /** The folder of its programs, first on PATH for the build and the app. */
  binDir: string;
  /** True when it was in the cache already (nothing downloaded). */
  cached: boolean;
}

/** What the cache says as it works: the lines of the deployment log. */
export interface CacheEvents {
  downloading(what: { name: string; version: string; url: string }): void;
  progress(received: number, total: number | null): void;
}

/**
 * `<root>/<tool>/<version>`: one folder per version, shared by every release and service. A
 * version is downloaded once, under a lock (two builds that need it wait for one download) into a
 * temporary folder that is renamed into place when complete, so a folder there is always whole.
 */
export class ToolchainCache {
  constructor(
    readonly root: string,
    private readonly registry: NpmRegistry,
  ) {}

  /** The newest cached version the request accepts, without asking the registry. */
  cachedVersion(request: ToolchainRequest): string | null {
    const installed = this.installed(request.tool).filter((v) => !request.sha512Hex || this.record(request.tool, v)?.sha512Hex === request.sha512Hex);
    return semver.maxSatisfying(installed, request.range);
  }

  /** The version to use: from the cache when one there fits, else the newest release the registry has that fits. */
  async resolve(request: ToolchainRequest): Promise<{ version: string; cached: boolean }> {
    const cached = this.cachedVersion(request);
    if (cached) return { version: cached, cached: true };
    const { version } = await this.releaseFor(request);
    return { version: version.version, cached: false };
  }

  /** The toolchain at `version`, downloaded first when it is not in the cache. */
  async provide(request: ToolchainRequest, versionNumber: string, events: CacheEvents): Promise<Toolchain> {
    const dir = this.dir(request.tool, versionNumber);
    const ready = (cached: boolean): Toolchain => ({ tool: request.tool, version: versionNumber, binDir: join(dir, 'bin'), cached });
    if (existsSync(join(dir, RECORD))) return ready(true);
    return this.locked(request.tool, versionNumber, async () => {
      // Another build may have finished it while this one waited.
      if (existsSync(join(dir, RECORD))) return ready(true);
      // A half-made folder of this version was left by a build that died with the lock: this build holds it now.
      for (const entry of readdirSync(join(this.root, request.tool))) {
        if (entry.startsWith(`.tmp-${versionNumber}-`)) rmSync(join(this.root, request.tool, entry), { recursive: true, force: true });
      }
      const { version, files } = await this.releaseFor({ ...request, range: versionNumber });
      const fileVersion = files.name === version.name ? version : await this.versionOf(files.name, version.version);
      const temp = join(this.root, request.tool, `.tmp-${versionNumber}-${randomBytes(4).toString('hex')}`);
      mkdirSync(join(temp, 'package'), { recursive: true, mode: 0o755 });
      try {
        events.downloading({ name: fileVersion.name, version: fileVersion.version, url: fileVersion.dist.tarball });
        const tarball = join(temp, 'package.tgz');
        await this.registry.download(fileVersion, tarball, (received, total) => events.progress(received, total));
        await run('tar', ['-xzf', tarball, '-C', join(temp, 'package'), '--strip-components=1', '--no-same-owner'], { timeout: 120_000 });
        rmSync(tarball);
        mkdirSync(join(temp, 'bin'), { mode: 0o755 });
        for (const [name, path] of Object.entries(files.executables)) {
          const target = join(temp, 'package', path);
          if (!existsSync(target)) throw new Error(`${fileVersion.name}@${fileVersion.version} has no ${path}`);
          chmodSync(target, 0o755);
          symlinkSync(join('..', 'package', path), join(temp, 'bin', name));
        }
        const record = { tool: request.tool, version: versionNumber, package: `${fileVersion.name}@${fileVersion.version}`, sha512Hex: request.sha512Hex };
        writeFileSync(join(temp, RECORD), `${JSON.stringify({ ...record, installedAt: new Date().toISOString() }, null, 2)}\n`, { mode: 0o644 });
        chmodSync(temp, 0o755);
        try {
          renameSync(temp, dir);
        } catch (error) {
          // A build that took over a stale lock finished first: its folder is as good.
          if (!existsSync(join(dir, RECORD))) throw error;
        }
      } finally {
        rmSync(temp, { recursive: true, force: true });
      }
      return ready(false);
    });
  }

  private async releaseFor(request: ToolchainRequest): Promise<{ version: PackageVersion; files: { name: string; executables: Record<string, string> } }> {
    const distribution = distributionOf(request.tool, request.range);
    if (!distribution) throw new Error(`the npm registry has no ${request.tool} build for ${process.platform}/${process.arch}`);
    const packument = await this.registry.packument(distribution.versionsFrom);
    const chosen = semver.maxSatisfying(Object.keys(packument.versions), request.range);
    const version = chosen ? packument.versions[chosen] : undefined;
    if (!version) throw new Error(`no release of ${distribution.versionsFrom} on the npm registry matches "${request.range}"`);
    if (request.sha512Hex && !matchesPinnedHash(version, request.sha512Hex)) {
      throw new Error(`the registry's ${version.name}@${version.version} is not the tarball packageManager's sha512 pins`);
    }
    const files = distribution.files(version);
    if (!files) throw new Error(`${version.name}@${version.version} has no program ServerGem knows how to run`);
    return { version, files };
  }

  private async versionOf(name: string, version: string): Promise<PackageVersion> {
    const found = (await this.registry.packument(name)).versions[version];
    if (!found) throw new Error(`the npm registry has no ${name}@${version}`);
    return found;
  }

  private installed(tool: ToolName): string[] {
    try {
      return readdirSync(join(this.root, tool)).filter((v) => semver.valid(v) && existsSync(join(this.root, tool, v, RECORD)));
    } catch {
      return [];
    }
  }

  private record(tool: ToolName, version: string): { sha512Hex?: string } | null {
    try {
      return JSON.parse(readFileSync(join(this.dir(tool, version), RECORD), 'utf8')) as { sha512Hex?: string };
    } catch {
      return null;
    }
  }

  private dir(tool: ToolName, version: string): string {
    return join(this.root, tool, version);
  }

  /**
   * One download of a version at a time, across builds and builder processes sharing the folder:
   * a lock file made exclusively, refreshed while held, taken over when its holder stopped refreshing it.
   */
  private async locked<T>(tool: ToolName, version: string, work: () => Promise<T>): Promise<T> {
    mkdirSync(join(this.root, tool), { recursive: true, mode: 0o755 });
    const lock = join(this.root, tool, `.${version}.lock`);
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        closeSync(openSync(lock, 'wx', 0o644));
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = Date.now() - (statOrNull(lock)?.mtimeMs ?? 0);
        if (age > STALE_LOCK_MS) rmSync(lock, { force: true });
        else if (Date.now() > deadline) throw new Error(`another build has held the download of ${tool} ${version} for too long`, { cause: error });
        else await new Promise((r) => setTimeout(r, 200));
      }
    }
    const heartbeat = setInterval(() => {
      const now = new Date();
      try {
        utimesSync(lock, now, now);
      } catch {
        // Taken over; the rename still keeps the folder whole.
      }
    }, STALE_LOCK_MS / 4);
    try {
      return await work();
    } finally {
      clearInterval(heartbeat);
      rmSync(lock, { force: true });
    }
  }
}

function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}
