import { constants } from 'node:fs';
import { open, realpath, rm, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { DomainError } from '#common';

/**
 * Reads a file of the release (the repository's own Dockerfile): never through a link, never
 * from outside the release. ServerGem may be root here; the repository decides what is a link.
 */
export async function readReleaseFile(sourceDir: string, appDir: string, name: string): Promise<string | null> {
  const dir = await insideRelease(sourceDir, appDir);
  const path = await realpath(join(dir, name)).catch(() => null);
  if (!path || !(await isInside(sourceDir, path))) return null;
  const file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
  if (!file) return null;
  try {
    return await file.readFile('utf8');
  } finally {
    await file.close();
  }
}

/**
 * Writes a file ServerGem generates (Dockerfile, .dockerignore) into the release: whatever the
 * repository put at that name — a link to /etc/passwd, say — is replaced, never written through.
 */
export async function writeReleaseFile(sourceDir: string, appDir: string, name: string, content: string): Promise<void> {
  const path = join(await insideRelease(sourceDir, appDir), name);
  await rm(path, { force: true });
  // `wx`: created here and now, so a link cannot have reappeared in its place.
  await writeFile(path, content, { flag: 'wx' });
}

async function insideRelease(sourceDir: string, appDir: string): Promise<string> {
  const dir = await realpath(appDir);
  if (!(await isInside(sourceDir, dir))) {
    throw new DomainError(
      'BUILD_FAILED',
      "The app's folder is a link that leads outside the repository.",
      'Point the app path at a real folder inside the repository, not a symbolic link.',
    );
  }
  return dir;
}

async function isInside(sourceDir: string, path: string): Promise<boolean> {
  const root = await realpath(sourceDir);
  return path === root || path.startsWith(`${root}${sep}`);
}
