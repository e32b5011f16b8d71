import { existsSync, readFileSync } from 'node:fs';
import semver from 'semver';
import type { PackageVersion } from './npm-registry.js';
import type { ToolName } from './toolchain-request.js';

/** Where a tool's files come from on the npm registry, and the programs it puts on PATH. */
export interface Distribution {
  /** The package whose versions are the tool's versions. */
  versionsFrom: string;
  /** For a version of that package: the package holding the files (itself, or a native build of it) and its programs (name → path inside it). */
  files(version: PackageVersion): { name: string; executables: Record<string, string> } | null;
}

const arch = process.arch === 'arm64' ? 'arm64' : process.arch === 'x64' ? 'x64' : null;
const linux = process.platform === 'linux';

/** Bun's x64 build needs AVX2; its `-baseline` build runs on any x86-64. */
function hasAvx2(): boolean {
  try {
    return existsSync('/proc/cpuinfo') && / avx2 /.test(readFileSync('/proc/cpuinfo', 'utf8').slice(0, 8192).replace(/\n/g, ' '));
  } catch {
    return false;
  }
}

function binsOf(version: PackageVersion): Record<string, string> {
  if (typeof version.bin === 'string') return { [version.name.replace(/^@[^/]+\//, '')]: version.bin };
  return Object.fromEntries(Object.entries(version.bin ?? {}).map(([name, path]) => [name, path.replace(/^\.\//, '')]));
}

/** pnpm, Yarn classic, Yarn 2+, Bun and Deno: all on the npm registry, the last two as native binaries. */
export function distributionOf(tool: ToolName, range: string): Distribution | null {
  if (!linux || !arch) return null;
  switch (tool) {
    case 'pnpm':
      return {
        versionsFrom: 'pnpm',
        files: (version) => {
          // pnpm 11 and later are native programs; their JavaScript package only fetches one.
          const native = `@pnpm/exe.linux-${arch}`;
          if (version.optionalDependencies?.[native]) return { name: native, executables: { pnpm: 'pnpm' } };
          const bins = binsOf(version);
          return bins.pnpm ? { name: 'pnpm', executables: bins } : null;
        },
      };
    case 'yarn': {
      // Yarn classic is the `yarn` package; Yarn 2 and later are `@yarnpkg/cli-dist`.
      const classic = semver.intersects(range, '<2.0.0');
      return {
        versionsFrom: classic ? 'yarn' : '@yarnpkg/cli-dist',
        files: () => ({ name: classic ? 'yarn' : '@yarnpkg/cli-dist', executables: { yarn: 'bin/yarn.js' } }),
      };
    }
    case 'bun': {
      const name = `@oven/bun-linux-${arch === 'arm64' ? 'aarch64' : `x64${hasAvx2() ? '' : '-baseline'}`}`;
      return { versionsFrom: name, files: () => ({ name, executables: { bun: 'bin/bun', bunx: 'bin/bun' } }) };
    }
    case 'deno': {
      const name = `@deno/linux-${arch}-glibc`;
      return { versionsFrom: name, files: () => ({ name, executables: { deno: 'deno' } }) };
    }
  }
}
