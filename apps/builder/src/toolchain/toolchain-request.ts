import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import type { AnalysisReport } from '#contracts';

/** The tools the `local` target provisions itself; anything else the host must have. */
export type ToolName = 'pnpm' | 'yarn' | 'bun' | 'deno';

/** What an app asks for: a tool, the versions it accepts, and why. */
export interface ToolchainRequest {
  tool: ToolName;
  /** A semver range (`9.15.0`, `^9`, `>=1.2`, `*`). */
  range: string;
  /** Where the range comes from, as a person reads it. */
  evidence: string;
  /** `packageManager`'s `+sha512.<hex>` suffix, when it gives one: the tarball the author pinned. */
  sha512Hex?: string;
}

interface Manifest {
  packageManager?: string;
  engines?: Record<string, string>;
}

/**
 * The toolchain an app declares, read from its folder: `packageManager` first (an exact version),
 * then `engines.<tool>`, then what its lockfile's format says, then the newest release. Only for
 * the tools the report names (its package manager, or Bun and Deno as runtimes); npm comes with Node.
 */
export async function toolchainRequest(appDir: string, report: AnalysisReport): Promise<ToolchainRequest | null> {
  const tool = toolOf(report);
  if (!tool) return null;
  const manifest = await readJson<Manifest>(join(appDir, 'package.json'));
  const declared = /^(pnpm|yarn|bun)@([^+\s]+)(?:\+sha512\.([0-9a-f]{128}))?$/.exec(manifest?.packageManager?.trim() ?? '');
  if (declared && declared[1] === tool && semver.valid(declared[2])) {
    return {
      tool,
      range: declared[2]!,
      evidence: `packageManager in package.json is "${manifest!.packageManager!.replace(/\+.*/, '+…')}"`,
      ...(declared[3] ? { sha512Hex: declared[3] } : {}),
    };
  }
  const engine = manifest?.engines?.[tool]?.trim();
  if (engine && semver.validRange(engine)) return { tool, range: engine, evidence: `engines.${tool} in package.json is "${engine}"` };
  if (tool === 'deno' && report.runtime.name === 'deno' && report.runtime.version && semver.validRange(report.runtime.version)) {
    return { tool, range: report.runtime.version, evidence: `the analysis found Deno ${report.runtime.version}` };
  }
  const fromLockfile = await lockfileRange(appDir, tool);
  if (fromLockfile) return { tool, ...fromLockfile };
  if (tool === 'yarn')
    return { tool, range: '1', evidence: 'nothing in the app pins a Yarn version: Yarn classic, what a yarn.lock without a version is made with' };
  return { tool, range: '*', evidence: `nothing in the app pins a ${tool} version: the newest release` };
}

function toolOf(report: AnalysisReport): ToolName | null {
  if (report.language === 'deno') return 'deno';
  if (report.language !== 'node') return null;
  if (report.runtime.name === 'bun' || report.packageManager === 'bun') return 'bun';
  if (report.packageManager === 'pnpm' || report.packageManager === 'yarn') return report.packageManager;
  return null;
}

/** pnpm-lock.yaml's `lockfileVersion` → the pnpm major that writes it (9.0 is also pnpm 10's; 9 reads both without changing install-script rules). */
const PNPM_LOCKFILES: [prefix: string, range: string][] = [
  ['9.', '9'],
  ['6.', '8'],
  ['5.4', '7'],
  ['5.3', '6'],
];

async function lockfileRange(appDir: string, tool: ToolName): Promise<{ range: string; evidence: string } | null> {
  if (tool === 'pnpm') {
    const head = (await readHead(join(appDir, 'pnpm-lock.yaml'))) ?? '';
    const version = /^lockfileVersion:\s*['"]?([\d.]+)/m.exec(head)?.[1];
    const found = version ? PNPM_LOCKFILES.find(([prefix]) => version.startsWith(prefix)) : undefined;
    if (version && found) return { range: found[1], evidence: `pnpm-lock.yaml has lockfileVersion ${version}, written by pnpm ${found[1]}` };
    return null;
  }
  if (tool === 'yarn') {
    const head = await readHead(join(appDir, 'yarn.lock'));
    const berry = head ? /^__metadata:\s*\n\s+version:\s*(\d+)/m.exec(head)?.[1] : undefined;
    if (berry) {
      const major = Number(berry) >= 8 ? '4' : Number(berry) >= 6 ? '3' : '2';
      return { range: major, evidence: `yarn.lock is Yarn ${major}'s format (__metadata version ${berry})` };
    }
    if (head && /# yarn lockfile v1/.test(head)) return { range: '1', evidence: 'yarn.lock is Yarn classic\'s format ("yarn lockfile v1")' };
    if (await readHead(join(appDir, '.yarnrc.yml'))) return { range: '4', evidence: ".yarnrc.yml is modern Yarn's settings file" };
    return null;
  }
  if (tool === 'bun') {
    if (await readHead(join(appDir, 'bun.lock'))) return { range: '^1.2.0', evidence: 'bun.lock is the text lockfile of Bun 1.2 and later' };
    if ((await readHead(join(appDir, 'bun.lockb'))) !== null) return { range: '1', evidence: 'bun.lockb is a Bun 1 lockfile' };
  }
  return null;
}

async function readHead(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).slice(0, 4096);
  } catch {
    return null;
  }
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return null;
  }
}
