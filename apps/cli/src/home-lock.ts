import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '#common';

/**
 * One all-in-one server per `$SERVERGEM_HOME`: its embedded database and release folders cannot
 * be shared. Returns the release function.
 */
export function lockHome(home: string): () => void {
  const file = join(home, 'server.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(file, 'utf8'));
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new DomainError(
          'INTERNAL',
          `ServerGem is already running from ${home} (process ${pid}).`,
          'Use that server (npx servergem deploy …), stop it first, or give this one its own SERVERGEM_HOME.',
        );
      }
      // Left behind by a server that died: take it over.
      rmSync(file, { force: true });
    }
  }
  throw new DomainError('INTERNAL', `Could not lock ${home}.`, 'Check the folder is writable and try again.');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
