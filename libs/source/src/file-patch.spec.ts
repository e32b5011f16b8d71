import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyFilePatches, parseFilePatch, patchText } from './file-patch.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'servergem-patch-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const SERVER = [
  "const http = require('node:http');",
  'const port = Number(process.env.HTTP_PORT) || 4321;',
  'http.createServer(handle).listen(port);',
  '',
].join('\n');
const FIX = [
  'diff --git a/server.js b/server.js',
  '--- a/server.js',
  '+++ b/server.js',
  '@@ -2 +2 @@',
  '-const port = Number(process.env.HTTP_PORT) || 4321;',
  '+const port = Number(process.env.HTTP_PORT) || (Number(process.env.PORT) || 4321);',
  '',
].join('\n');

describe(applyFilePatches.name, () => {
  it('changes the copy as the diff says, and `git apply` agrees on the result', async () => {
    const sut = tempDir();
    writeFileSync(join(sut, 'server.js'), SERVER);
    const said = await applyFilePatches(sut, '.', [{ file: 'server.js', diff: FIX }]);
    expect(said).toEqual(["Patched server.js (+1 -1) in this release's copy of the source"]);

    const reference = tempDir();
    writeFileSync(join(reference, 'server.js'), SERVER);
    writeFileSync(join(reference, 'fix.diff'), FIX);
    execFileSync('git', ['apply', '--unidiff-zero', 'fix.diff'], { cwd: reference });
    expect(readFileSync(join(sut, 'server.js'), 'utf8')).toBe(readFileSync(join(reference, 'server.js'), 'utf8'));
  });

  it('patches inside the app folder of a monorepo, creates a new file, and leaves an applied patch alone', async () => {
    const sut = tempDir();
    mkdirSync(join(sut, 'apps/web'), { recursive: true });
    writeFileSync(join(sut, 'apps/web/server.js'), SERVER);
    const nvmrc = { file: '.nvmrc', diff: 'diff --git a/.nvmrc b/.nvmrc\nnew file mode 100644\n--- /dev/null\n+++ b/.nvmrc\n@@ -0,0 +1 @@\n+22\n' };
    await applyFilePatches(sut, 'apps/web', [{ file: 'server.js', diff: FIX }, nvmrc]);
    expect(readFileSync(join(sut, 'apps/web/.nvmrc'), 'utf8')).toBe('22\n');
    expect(readFileSync(join(sut, 'apps/web/server.js'), 'utf8')).toContain('(Number(process.env.PORT) || 4321)');
    const again = await applyFilePatches(sut, 'apps/web', [{ file: 'server.js', diff: FIX }, nvmrc]);
    expect(again).toEqual([
      'Patch of apps/web/server.js is already in the source; left as it is',
      'Patch of apps/web/.nvmrc is already in the source; left as it is',
    ]);
  });

  it('refuses a patch whose context does not match, and changes nothing', async () => {
    const sut = tempDir();
    const changed = SERVER.replace('4321', '5000');
    writeFileSync(join(sut, 'server.js'), changed);
    await expect(applyFilePatches(sut, '.', [{ file: 'server.js', diff: FIX }])).rejects.toMatchObject({
      code: 'INVALID_SOURCE',
      message: expect.stringContaining('are not the ones the patch was made for'),
    });
    expect(readFileSync(join(sut, 'server.js'), 'utf8')).toBe(changed);
  });

  it('never follows a symlink out of the copy', async () => {
    const sut = tempDir();
    const outside = tempDir();
    writeFileSync(join(outside, 'server.js'), SERVER);
    symlinkSync(outside, join(sut, 'src'));
    symlinkSync(join(outside, 'server.js'), join(sut, 'server.js'));
    const diff = FIX.replaceAll('server.js', 'src/server.js');
    await expect(applyFilePatches(sut, '.', [{ file: 'src/server.js', diff }])).rejects.toMatchObject({
      message: expect.stringContaining('`src` is a symbolic link'),
    });
    await expect(applyFilePatches(sut, '.', [{ file: 'server.js', diff: FIX }])).rejects.toMatchObject({ message: expect.stringContaining('symbolic link') });
    expect(readFileSync(join(outside, 'server.js'), 'utf8')).toBe(SERVER);
  });
});

describe(parseFilePatch.name, () => {
  it.each([
    ['../outside.js', 'outside the app'],
    ['/etc/passwd', 'outside the app'],
    ['a/./b.js', 'outside the app'],
    ['.git/config', 'never changes'],
    ['.env', 'never changes'],
    ['certs/server.pem', 'never changes'],
  ])('refuses the path %j', (file, why) => {
    expect(() => parseFilePatch({ file, diff: FIX })).toThrow(why);
  });

  it('refuses a diff of another file, a hunk that miscounts, junk lines and an oversized diff', () => {
    expect(() => parseFilePatch({ file: 'index.js', diff: FIX })).toThrow('names another file');
    expect(() => parseFilePatch({ file: 'server.js', diff: FIX.replace('@@ -2 +2 @@', '@@ -2,3 +2 @@') })).toThrow('ends before its line counts say');
    expect(() => parseFilePatch({ file: 'server.js', diff: `rm -rf /\n${FIX}` })).toThrow('unexpected line');
    expect(() => parseFilePatch({ file: 'server.js', diff: FIX + 'x'.repeat(20_001) })).toThrow('longer than 20000');
    expect(() => parseFilePatch({ file: 'server.js', diff: FIX.split('@@')[0]! })).toThrow('changes nothing');
  });

  it('finds a hunk that moved a few lines, and refuses a half-applied one', () => {
    const parsed = parseFilePatch({ file: 'server.js', diff: FIX });
    expect(patchText(`// header\n// more\n${SERVER}`, parsed)).toContain('(Number(process.env.PORT) || 4321)');
    const two = parseFilePatch({
      file: 'a.txt',
      diff: 'diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-one\n+ONE\n@@ -3 +3 @@\n-three\n+THREE\n',
    });
    expect(() => patchText('ONE\ntwo\nthree\n', two)).toThrow('part of it is in the file already');
    expect(patchText('one\ntwo\nthree\n', two)).toBe('ONE\ntwo\nTHREE\n');
  });
});
