import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readReleaseFile, writeReleaseFile } from './release-files.js';

const made: string[] = [];
const temp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A release whose repository planted links to a file outside it. */
function release(): { sourceDir: string; outside: string } {
  const sourceDir = temp('servergem-release-');
  const outside = join(temp('servergem-outside-'), 'precious.txt');
  writeFileSync(outside, 'precious');
  symlinkSync(outside, join(sourceDir, '.dockerignore'));
  symlinkSync(outside, join(sourceDir, 'Dockerfile'));
  return { sourceDir, outside };
}

describe(writeReleaseFile.name, () => {
  it("replaces a repository's link with the generated file instead of writing through it", async () => {
    const { sourceDir, outside } = release();
    await writeReleaseFile(sourceDir, sourceDir, '.dockerignore', 'node_modules\n');
    expect(readFileSync(outside, 'utf8')).toBe('precious');
    expect((await lstat(join(sourceDir, '.dockerignore'))).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(sourceDir, '.dockerignore'), 'utf8')).toBe('node_modules\n');
  });

  it('refuses an app folder that is a link out of the repository', async () => {
    const { sourceDir } = release();
    const elsewhere = temp('servergem-elsewhere-');
    symlinkSync(elsewhere, join(sourceDir, 'app'));
    await expect(writeReleaseFile(sourceDir, join(sourceDir, 'app'), 'Dockerfile', 'FROM x')).rejects.toMatchObject({ code: 'BUILD_FAILED' });
  });
});

describe(readReleaseFile.name, () => {
  it("reads the repository's own Dockerfile, but never what a link points at outside", async () => {
    const { sourceDir } = release();
    expect(await readReleaseFile(sourceDir, sourceDir, 'Dockerfile')).toBeNull();
    mkdirSync(join(sourceDir, 'docker'));
    writeFileSync(join(sourceDir, 'docker', 'Dockerfile'), 'FROM node:22\n');
    expect(await readReleaseFile(sourceDir, sourceDir, 'docker/Dockerfile')).toBe('FROM node:22\n');
  });
});
