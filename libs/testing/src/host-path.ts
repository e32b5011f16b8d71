import { chmodSync, existsSync, mkdtempSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The package managers and runtimes the `local` target provisions itself, and corepack, which would fetch them. */
export const PROVISIONED_PROGRAMS = ['pnpm', 'pnpx', 'yarn', 'yarnpkg', 'bun', 'bunx', 'deno', 'corepack'];

/**
 * A PATH of one folder holding a link to every program on `path` (by default this Node's folder and
 * the system's) but the ones named: the host as one without them (a pnpm, Yarn or Bun installed
 * here is not found through it), Node and npm and the rest as they are. Readable by every user,
 * for builds that run as the app user.
 */
export function pathWithout(programs: string[], path = `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`): string {
  const dir = mkdtempSync(join(tmpdir(), 'servergem-path-'));
  chmodSync(dir, 0o755);
  for (const folder of path.split(':').filter(Boolean)) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of names) {
      // The first on PATH wins, as a shell would find it.
      if (programs.includes(name) || existsSync(join(dir, name))) continue;
      const target = join(folder, name);
      try {
        if (!statSync(target).isFile()) continue;
      } catch {
        continue;
      }
      symlinkSync(target, join(dir, name));
    }
  }
  return dir;
}
