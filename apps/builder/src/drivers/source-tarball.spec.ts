import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from 'vitest';
import { listTarGz } from '#testing';
import { sourceTarball } from './source-tarball.js';

describe(sourceTarball.name, () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function app(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'servergem-tarball-'));
    dirs.push(dir);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  }

  it('archives paths longer than ustar allows, and symlinks as links without following them', async () => {
    const long = `${'deep/'.repeat(40)}${'n'.repeat(120)}.txt`;
    const dir = app({ [long]: 'far down\n', 'a.txt': 'a\n' });
    symlinkSync('/etc/passwd', join(dir, 'passwd'));

    const entries = listTarGz(await buffer(await sourceTarball(dir)));

    expect(entries.find((e) => e.path === long)?.content.toString()).toBe('far down\n');
    const link = entries.find((e) => e.path === 'passwd');
    expect(link?.type).toBe('2');
    expect(link?.content.length).toBe(0);
  });

  it('always sends the Dockerfile and .dockerignore, and never .git, whatever the ignore files say', async () => {
    const dir = app({ Dockerfile: 'FROM scratch\n', '.dockerignore': 'Dockerfile\n.dockerignore\n', '.git/HEAD': 'x\n', '.gcloudignore': '!.git\n' });

    const paths = listTarGz(await buffer(await sourceTarball(dir))).map((e) => e.path);

    expect(paths.sort()).toEqual(['.dockerignore', '.gcloudignore', 'Dockerfile']);
  });

  it('re-includes a file inside an ignored folder with a negated pattern', async () => {
    const dir = app({ 'docs/a.md': 'a', 'docs/keep.md': 'k', '.dockerignore': 'docs\n!docs/keep.md\n' });

    const paths = listTarGz(await buffer(await sourceTarball(dir))).map((e) => e.path);

    expect(paths).toContain('docs/keep.md');
    expect(paths).not.toContain('docs/a.md');
  });
});
