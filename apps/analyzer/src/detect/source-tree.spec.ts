import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeSource } from './analyze.js';
import { SourceTree } from './source-tree.js';

const dirs: string[] = [];

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'servergem-tree-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** A clone whose `link` is a symbolic link to a folder outside it, holding an app and a key. */
function cloneWithLinkOut(): { root: string; outside: string } {
  const outside = folder({
    'app/package.json': JSON.stringify({ name: 'outside', scripts: { start: 'node server.js' } }),
    'app/server.js': 'const leaked = process.env.LEAKED_FROM_OUTSIDE;\n',
    id_rsa: 'PRIVATE-KEY-BODY-4242\n',
  });
  const root = folder({ 'package.json': JSON.stringify({ name: 'inside', scripts: { start: 'node index.js' } }), 'index.js': '' });
  symlinkSync(outside, join(root, 'link'));
  symlinkSync(join(outside, 'id_rsa'), join(root, 'README.md'));
  return { root, outside };
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe(SourceTree.name, () => {
  it('never reads a file through a link, to a file or on the way through a linked folder', async () => {
    const { root } = cloneWithLinkOut();
    const sut = await SourceTree.open(root);

    expect(await sut.read('README.md')).toBeNull();
    expect(await sut.read('link/id_rsa')).toBeNull();
    expect(await sut.read('link/app/package.json')).toBeNull();
    expect(await sut.exists('link/app')).toBe(false);
    expect(await sut.read('package.json')).toContain('inside');
  });

  it('gives no view of an app folder that lies behind a linked folder', async () => {
    const { root } = cloneWithLinkOut();
    const sut = await SourceTree.open(root);

    expect(await sut.sub('link/app')).toBeNull();
    expect(await sut.sub('link')).toBeNull();
  });

  it('analyzes no app outside the clone when the app path goes through a link', async () => {
    const { root } = cloneWithLinkOut();

    const error = await analyzeSource(root, 'link/app').catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'UNSUPPORTED_APP', message: 'The repository has no folder "link/app".' });
    expect(JSON.stringify(error)).not.toContain('LEAKED_FROM_OUTSIDE');
  });
});
