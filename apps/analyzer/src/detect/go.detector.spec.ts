import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeSource } from './analyze.js';
import { GoDetector } from './go.detector.js';
import { SourceTree } from './source-tree.js';

const dirs: string[] = [];

function app(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'servergem-go-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const main = (body: string): string => `package main\n\nfunc main() {\n${body}\n}\n`;

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe(GoDetector.name, () => {
  it('picks the command named like the module among several and says so', async () => {
    const sut = await analyzeSource(
      app({
        'go.mod': 'module github.com/acme/billing\n\ngo 1.22\n',
        'cmd/admin/main.go': main(''),
        'cmd/billing/main.go': main('http.ListenAndServe(":8081", nil)'),
      }),
    );
    expect(sut.commands.build).toEqual(['go build -o out ./cmd/billing']);
    expect(sut.port).toBe(8081);
    expect(sut.warnings.join(' ')).toContain('cmd/admin, cmd/billing');
  });

  it('reports no start command for a library module', async () => {
    const sut = await analyzeSource(app({ 'go.mod': 'module example.com/lib\n\ngo 1.21\n', 'lib.go': 'package lib\n' }));
    expect(sut).toMatchObject({ language: 'go', commands: { build: [], start: null } });
    expect(sut.warnings[0]).toContain('No main package');
  });

  it('is asked before Node.js when a Go service carries a package.json', async () => {
    const sut = await analyzeSource(
      app({ 'go.mod': 'module example.com/web\n\ngo 1.22\n', 'main.go': main(''), 'package.json': '{"scripts":{"build":"vite build"}}' }),
    );
    expect(sut.language).toBe('go');
  });

  it('claims a lone main.go (no go.mod) as a single-file program', async () => {
    const sut = new GoDetector();
    const tree = await SourceTree.open(app({ 'main.go': main('') }));
    expect(await sut.matches(tree)).toBe(true);
    expect((await sut.detect(tree, '.')).commands).toMatchObject({ build: ['go build -o out .'], start: './out' });
  });

  it('does not claim a folder with no Go module and no main.go', async () => {
    const sut = new GoDetector();
    expect(await sut.matches(await SourceTree.open(app({ 'README.md': '# x' })))).toBe(false);
  });
});
