import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AnalysisReport } from '#contracts';
import { DomainError } from '#common';
import type { ProgressReporter } from '#messaging';
import { FakeNpmRegistry, type FakePackageVersion } from '#testing';
import { NpmRegistry } from './npm-registry.js';
import { chooseToolchain, provisionToolchain } from './provision.js';
import { ToolchainCache, type CacheEvents } from './toolchain-cache.js';
import type { ToolchainRequest } from './toolchain-request.js';

const arch = process.arch === 'arm64' ? 'arm64' : 'x64';

/** pnpm as the registry has it: a JavaScript package up to 10, a native build per platform from 11. */
function pnpm(version: string): FakePackageVersion {
  return {
    name: 'pnpm',
    version,
    bin: { pnpm: 'bin/pnpm.cjs', pnpx: 'bin/pnpx.cjs' },
    files: {
      'package.json': JSON.stringify({ name: 'pnpm', version }),
      'bin/pnpm.cjs': `#!/usr/bin/env node\nconsole.log(${JSON.stringify(version)});\n`,
      'bin/pnpx.cjs': '#!/usr/bin/env node\n',
      'dist/pnpm.cjs': 'x'.repeat(64 * 1024),
    },
  };
}

const PACKAGES: FakePackageVersion[] = [
  pnpm('9.14.0'),
  pnpm('9.15.0'),
  pnpm('10.2.0'),
  {
    name: 'pnpm',
    version: '11.0.0',
    bin: { pnpm: 'bin/pnpm.cjs' },
    optionalDependencies: { '@pnpm/exe.linux-x64': '11.0.0', '@pnpm/exe.linux-arm64': '11.0.0' },
    files: { 'package.json': '{}', 'bin/pnpm.cjs': '#!/usr/bin/env node\nthrow new Error("fetches the native build")\n' },
  },
  ...['x64', 'arm64'].map((a) => ({
    name: `@pnpm/exe.linux-${a}`,
    version: '11.0.0',
    files: { 'package.json': '{}', pnpm: '#!/bin/sh\necho 11.0.0\n' },
  })),
];

const request = (range: string, extra: Partial<ToolchainRequest> = {}): ToolchainRequest => ({ tool: 'pnpm', range, evidence: 'a test asks for it', ...extra });

/** What the build's log would show: the lines a download prints. */
function events(): CacheEvents & { urls: string[]; last: [number, number | null] | null } {
  const seen = {
    urls: [] as string[],
    last: null as [number, number | null] | null,
    downloading: ({ url }: { url: string }) => void seen.urls.push(url),
    progress: (received: number, total: number | null) => void (seen.last = [received, total]),
  };
  return seen;
}

const runs = (binDir: string, program = 'pnpm') => execFileSync(join(binDir, program), ['--version'], { encoding: 'utf8' }).trim();

async function until(what: string, probe: () => boolean): Promise<void> {
  for (let tries = 0; tries < 400; tries++) {
    if (probe()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

describe(ToolchainCache.name, () => {
  let fake: FakeNpmRegistry;
  let root: string;
  /** A builder of its own: its own registry client and cache object, on the shared folder. */
  const builder = () => {
    const registry = new NpmRegistry(fake.url);
    return { registry, cache: new ToolchainCache(root, registry) };
  };

  beforeAll(async () => {
    fake = await FakeNpmRegistry.start(PACKAGES);
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'servergem-toolchains-'));
    fake.requests.length = 0;
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('downloads a version once, checked; a second build, by another builder on the same folder, asks the registry nothing', async () => {
    const first = builder();
    expect(await first.cache.resolve(request('9'))).toEqual({ version: '9.15.0', cached: false });
    const seen = events();
    const toolchain = await first.cache.provide(request('9'), '9.15.0', seen);

    expect(toolchain).toEqual({ tool: 'pnpm', version: '9.15.0', binDir: join(root, 'pnpm/9.15.0/bin'), cached: false });
    expect(runs(toolchain.binDir)).toBe('9.15.0');
    expect(seen.urls).toEqual([`${fake.url}/pnpm/-/pnpm-9.15.0.tgz`]);
    expect(seen.last).toEqual([seen.last![1], expect.any(Number)]);
    expect(fake.downloads.map((r) => r.path)).toEqual(['/pnpm/-/pnpm-9.15.0.tgz']);
    // The abbreviated metadata, as npm asks for it.
    expect(fake.metadataRequests[0]?.accept).toContain('application/vnd.npm.install-v1+json');

    const before = fake.requests.length;
    const second = builder();
    expect(await second.cache.resolve(request('9'))).toEqual({ version: '9.15.0', cached: true });
    const again = await second.cache.provide(request('9'), '9.15.0', events());
    expect(again).toMatchObject({ binDir: toolchain.binDir, cached: true });
    expect(fake.requests).toHaveLength(before);
    expect(second.registry.requests).toBe(0);
    // Only the whole version is there: no lock, no temporary folder.
    expect(readdirSync(join(root, 'pnpm'))).toEqual(['9.15.0']);
  });

  it('picks the newest release a range accepts, and a native build from its scoped package (pnpm 11)', async () => {
    const { cache } = builder();
    expect(await cache.resolve(request('^9.0.0 <9.15'))).toEqual({ version: '9.14.0', cached: false });
    const toolchain = await cache.provide(request('11'), '11.0.0', events());
    expect(runs(toolchain.binDir)).toBe('11.0.0');
    expect(fake.metadataRequests.map((r) => r.path)).toContain(`/@pnpm%2fexe.linux-${arch}`);
    expect(fake.downloads.map((r) => r.path)).toEqual([`/@pnpm/exe.linux-${arch}/-/exe.linux-${arch}-11.0.0.tgz`]);
  });

  it('downloads once for concurrent builds provisioning the same version', async () => {
    const release = fake.holdTarballs();
    const builds = [builder(), builder(), builder()].map(({ cache }) => cache.provide(request('9.15.0'), '9.15.0', events()));
    try {
      await until('the first download to start', () => fake.downloads.length === 1);
      // The others wait on the lock while it comes.
      expect(existsSync(join(root, 'pnpm/.9.15.0.lock'))).toBe(true);
    } finally {
      release();
    }
    const toolchains = await Promise.all(builds);

    expect(fake.downloads).toHaveLength(1);
    expect(toolchains.map((t) => t.cached).sort()).toEqual([false, true, true]);
    for (const toolchain of toolchains) expect(runs(toolchain.binDir)).toBe('9.15.0');
    expect(readdirSync(join(root, 'pnpm'))).toEqual(['9.15.0']);
  });

  it("takes over the lock of a provisioner that crashed, and removes its half-made folder, but waits for a live one's", async () => {
    mkdirSync(join(root, 'pnpm/.tmp-9.15.0-0badc0de/package/bin'), { recursive: true });
    writeFileSync(join(root, 'pnpm/.tmp-9.15.0-0badc0de/package/bin/pnpm.cjs'), '#!/usr/bin/env node\n// cut off');
    const lock = join(root, 'pnpm/.9.15.0.lock');
    writeFileSync(lock, '');
    // Nothing has refreshed it for ten minutes: its holder is gone.
    const then = new Date(Date.now() - 10 * 60_000);
    utimesSync(lock, then, then);

    const toolchain = await builder().cache.provide(request('9.15.0'), '9.15.0', events());
    expect(toolchain.cached).toBe(false);
    expect(runs(toolchain.binDir)).toBe('9.15.0');
    expect(readdirSync(join(root, 'pnpm'))).toEqual(['9.15.0']);

    // A lock its holder keeps fresh is waited for, however long its download takes.
    const live = join(root, 'pnpm/.9.14.0.lock');
    writeFileSync(live, '');
    const downloads = fake.downloads.length;
    const waiting = builder().cache.provide(request('9.14.0'), '9.14.0', events());
    const result = await Promise.race([waiting.then(() => 'done'), new Promise((r) => setTimeout(() => r('waiting'), 800))]);
    expect(result).toBe('waiting');
    expect(fake.downloads).toHaveLength(downloads);
    rmSync(live);
    expect(await waiting).toMatchObject({ version: '9.14.0', cached: false });
  });

  it("refuses a download that does not match the registry's integrity, says so, and keeps nothing of it", async () => {
    fake.corrupt('pnpm', '10.2.0');
    const { cache } = builder();
    await expect(cache.provide(request('10.2.0'), '10.2.0', events())).rejects.toThrow(
      "the download of pnpm@10.2.0 does not match the registry's sha512 checksum",
    );
    expect(readdirSync(join(root, 'pnpm'))).toEqual([]);
    expect(cache.cachedVersion(request('10'))).toBeNull();

    // As the build's step says it: what could not be had, why, and what to do.
    const logs: string[] = [];
    const reporter = {
      step: () => undefined,
      log: (line: string) => logs.push(line),
      logLine: (line: string) => logs.push(line),
    } as unknown as ProgressReporter;
    const choice = { request: request('10.2.0', { evidence: 'engines.pnpm in package.json is "10.2.0"' }), version: '10.2.0', cached: false };
    const error = await provisionToolchain(choice, cache, reporter, { env: { PATH: process.env.PATH }, cwd: root, runAs: undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'TOOLCHAIN_MISSING' });
    expect((error as DomainError).message).toBe(
      'ServerGem could not get pnpm 10.2.0 for this build (engines.pnpm in package.json is "10.2.0"): ' +
        "the download of pnpm@10.2.0 does not match the registry's sha512 checksum.",
    );
    expect((error as DomainError).hint).toContain('NPM_REGISTRY_URL');
    expect((error as DomainError).hint).toContain('cloudrun');
    expect(logs).toContain(`Downloading pnpm@10.2.0 from ${fake.url}/pnpm/-/pnpm-10.2.0.tgz`);
  });

  it("holds packageManager's +sha512 to the registry's record of the tarball", async () => {
    const pinned = Buffer.from(fake.integrity('pnpm', '9.14.0').slice('sha512-'.length), 'base64').toString('hex');
    const { cache } = builder();
    const toolchain = await cache.provide(request('9.14.0', { sha512Hex: pinned }), '9.14.0', events());
    expect(runs(toolchain.binDir)).toBe('9.14.0');
    expect(cache.cachedVersion(request('9.14.0', { sha512Hex: pinned }))).toBe('9.14.0');

    await expect(cache.resolve(request('9.15.0', { sha512Hex: pinned }))).rejects.toThrow(
      "the registry's pnpm@9.15.0 is not the tarball packageManager's sha512 pins",
    );
  });

  it('chooses from the cache without the registry, and logs the version with its evidence', async () => {
    await builder().cache.provide(request('9.15.0'), '9.15.0', events());
    const { cache, registry } = builder();
    const logs: string[] = [];
    const reporter = { log: (line: string) => logs.push(line) } as unknown as ProgressReporter;
    const dir = mkdtempSync(join(tmpdir(), 'servergem-toolchain-app-'));
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ packageManager: 'pnpm@9.15.0' }));
      const report = { language: 'node', runtime: { name: 'node', version: null }, packageManager: 'pnpm' } as AnalysisReport;
      expect(await chooseToolchain(dir, report, cache, reporter)).toMatchObject({ version: '9.15.0', cached: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(registry.requests).toBe(0);
    expect(logs).toEqual(['pnpm 9.15.0: packageManager in package.json is "pnpm@9.15.0" (in the toolchain cache)']);
  });
});
