import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeSource } from '../detect/analyze.js';
import { buildRepoSummary, summaryText } from './repo-summary.js';

const dirs: string[] = [];

function app(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'servergem-summary-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe(buildRepoSummary.name, () => {
  it('caps the tree, truncates files and sends manifests, entry files and the detected report', async () => {
    const many = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`public/img-${String(i).padStart(3, '0')}.txt`, 'x']));
    const root = app({
      ...many,
      'package.json': JSON.stringify({ name: 'a', scripts: { start: 'node server.js' } }),
      'server.js': `// ${'y'.repeat(10_000)}\nrequire("http").createServer().listen(process.env.PORT || 3000);\n`,
      'docs/guide.md': 'not a manifest',
    });
    const report = await analyzeSource(root);

    const sut = await buildRepoSummary(root, '.', report);

    expect(sut.tree).toHaveLength(300);
    expect(sut.treeTruncated).toBe(true);
    expect(sut.files.map((f) => f.path)).toEqual(['package.json', 'server.js']);
    const server = sut.files.find((f) => f.path === 'server.js')!;
    expect(server.truncated).toBe(true);
    expect(Buffer.byteLength(server.content)).toBeLessThanOrEqual(4096);
    expect(sut.detected.commands.start).toBe(report.commands.start);
    expect(sut.detected.port).toBe(3000);
    expect(JSON.parse(summaryText(sut))).toEqual(sut);
  });

  it('summarises the app folder of a monorepo and leaves secret files out of the tree', async () => {
    const root = app({
      'apps/api/package.json': JSON.stringify({ name: 'api', scripts: { start: 'node index.js' } }),
      'apps/api/index.js': 'require("http").createServer().listen(8080);\n',
      'apps/api/.env': 'TOKEN=abc',
      'apps/api/deploy.pem': '-----BEGIN PRIVATE KEY-----',
      'apps/web/index.html': '<h1>hi</h1>',
    });
    const report = await analyzeSource(root, 'apps/api');

    const sut = await buildRepoSummary(root, 'apps/api', report);

    expect(sut.tree).toEqual(['index.js', 'package.json']);
    expect(sut.withheld).toBe(2);
  });

  it('shows nothing a link points at outside the repository: a README linked to a key, an app folder behind a linked folder', async () => {
    const outside = app({ id_rsa: 'PRIVATE-KEY-BODY-4242\n', 'api/package.json': '{"name":"outside-api"}', 'api/index.js': 'OUTSIDE-CODE-7171' });
    const root = app({ 'package.json': JSON.stringify({ name: 'inside', scripts: { start: 'node index.js' } }), 'index.js': '' });
    symlinkSync(join(outside, 'id_rsa'), join(root, 'README.md'));
    symlinkSync(outside, join(root, 'apps'));
    const report = await analyzeSource(root);

    for (const appPath of ['.', 'apps/api']) {
      const text = summaryText(await buildRepoSummary(root, appPath, report));
      for (const needle of ['PRIVATE-KEY-BODY', 'outside-api', 'OUTSIDE-CODE']) expect(text).not.toContain(needle);
    }
  });
});
