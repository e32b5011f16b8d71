import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** One version of a package the fake serves: its files (a `#!` first line makes a file executable) and manifest fields. */
export interface FakePackageVersion {
  name: string;
  version: string;
  files: Record<string, string>;
  bin?: string | Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export interface FakeNpmRequest {
  method: string;
  /** Path as received (a scoped name's `/` is `%2f` in a packument's path, as npm sends it). */
  path: string;
  accept: string | undefined;
}

interface Served {
  manifest: Record<string, unknown>;
  tarball: Buffer;
  /** The bytes sent instead of the tarball, when a test corrupts it (same length, other content). */
  corrupted?: Buffer;
}

/**
 * A stand-in for registry.npmjs.org as package managers read it: packuments (the abbreviated
 * `application/vnd.npm.install-v1+json` form when asked for it), `dist-tags`, and real gzipped
 * tarballs of a `package/` folder at `/<name>/-/<basename>-<version>.tgz`, each with its `sha512`
 * `integrity` and `sha1` `shasum`. Test double only: every request is recorded, a tarball can be
 * corrupted, and tarball answers can be held back to make two downloads overlap.
 */
export class FakeNpmRegistry {
  readonly requests: FakeNpmRequest[] = [];
  private readonly packages = new Map<string, Map<string, Served>>();
  private readonly tarballs = new Map<string, Served>();
  private held: Promise<void> | null = null;
  private base = '';

  private constructor(private readonly server: Server) {}

  static async start(versions: FakePackageVersion[]): Promise<FakeNpmRegistry> {
    const server = createServer();
    const fake = new FakeNpmRegistry(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const version of versions) fake.publish(version);
    return fake;
  }

  get url(): string {
    return this.base;
  }

  /** Adds a version, packed as `npm pack` would (`package/…` in a .tgz). */
  publish(version: FakePackageVersion): void {
    const tarball = pack(version.files);
    const basename = version.name.replace(/^@[^/]+\//, '');
    const tarballPath = `/${version.name}/-/${basename}-${version.version}.tgz`;
    const manifest = {
      name: version.name,
      version: version.version,
      ...(version.bin ? { bin: version.bin } : {}),
      ...(version.optionalDependencies ? { optionalDependencies: version.optionalDependencies } : {}),
      dist: {
        tarball: `${this.base}${tarballPath}`,
        integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
        shasum: createHash('sha1').update(tarball).digest('hex'),
        fileCount: Object.keys(version.files).length,
        unpackedSize: Object.values(version.files).reduce((sum, text) => sum + Buffer.byteLength(text), 0),
      },
    };
    if (!this.packages.has(version.name)) this.packages.set(version.name, new Map());
    const served: Served = { manifest, tarball };
    this.packages.get(version.name)!.set(version.version, served);
    this.tarballs.set(tarballPath, served);
  }

  /** From now on the tarball of `name@version` arrives with bytes that do not match its integrity. */
  corrupt(name: string, version: string): void {
    const served = this.served(name, version);
    const corrupted = Buffer.from(served.tarball);
    corrupted[corrupted.length - 1] ^= 0xff;
    served.corrupted = corrupted;
  }

  /** The tarball `name@version` is packed from, as the registry records its integrity. */
  integrity(name: string, version: string): string {
    return (this.served(name, version).manifest.dist as { integrity: string }).integrity;
  }

  /** Holds every tarball answer until the returned function is called. */
  holdTarballs(): () => void {
    let release!: () => void;
    this.held = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.held = null;
      release();
    };
  }

  /** The requests for tarballs (downloads), and for packuments (metadata). */
  get downloads(): FakeNpmRequest[] {
    return this.requests.filter((r) => r.path.endsWith('.tgz'));
  }

  get metadataRequests(): FakeNpmRequest[] {
    return this.requests.filter((r) => !r.path.endsWith('.tgz'));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private served(name: string, version: string): Served {
    const served = this.packages.get(name)?.get(version);
    if (!served) throw new Error(`the fake registry has no ${name}@${version}`);
    return served;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    this.requests.push({ method: req.method ?? 'GET', path, accept: req.headers.accept });
    if (req.method !== 'GET') return json(res, 405, { error: 'Method not allowed' });
    if (path.endsWith('.tgz')) {
      const served = this.tarballs.get(path);
      if (!served) return json(res, 404, { error: 'Not found' });
      if (this.held) await this.held;
      const body = served.corrupted ?? served.tarball;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
      return;
    }
    const name = decodeURIComponent(path.slice(1));
    const versions = this.packages.get(name);
    if (!versions) return json(res, 404, { error: 'Not found' });
    const sorted = [...versions.keys()];
    const abbreviated = req.headers.accept?.includes('application/vnd.npm.install-v1+json') ?? false;
    res.writeHead(200, { 'content-type': abbreviated ? 'application/vnd.npm.install-v1+json' : 'application/json' });
    res.end(
      JSON.stringify({
        name,
        'dist-tags': { latest: sorted.at(-1) },
        modified: new Date(0).toISOString(),
        versions: Object.fromEntries([...versions].map(([version, served]) => [version, served.manifest])),
      }),
    );
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A .tgz of `package/<path>` for each file, made by tar as `npm pack` makes them. */
function pack(files: Record<string, string>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'servergem-fake-npm-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      const file = join(dir, 'package', path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      chmodSync(file, text.startsWith('#!') ? 0o755 : 0o644);
    }
    execFileSync('tar', ['-czf', join(dir, 'package.tgz'), '-C', dir, '--owner=0', '--group=0', '--numeric-owner', 'package']);
    return readFileSync(join(dir, 'package.tgz'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
