import { symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempApps } from '#testing';
import { analyzeSource } from './analyze.js';

const examples = resolve(import.meta.dirname, '../../../../examples');
const { app, cleanup } = tempApps('servergem-detect-');
afterEach(cleanup);

describe('NodeDetector', () => {
  it('reads examples/node-hello: no dependencies, nothing to install, reads PORT', async () => {
    const sut = await analyzeSource(join(examples, 'node-hello'));
    expect(sut).toMatchObject({
      language: 'node',
      framework: null,
      packageManager: 'npm',
      commands: { install: [], build: [], start: 'npm start' },
      port: 3000,
      portFromEnv: true,
      runtime: { name: 'node', version: '26' },
    });
    expect(sut.env.map((e) => e.name)).toEqual(['PORT', 'GREETING']);
  });

  it('reads examples/node-express: lockfile, build script, express, default port', async () => {
    const sut = await analyzeSource(join(examples, 'node-express'));
    expect(sut).toMatchObject({
      framework: 'express',
      commands: { install: ['npm ci'], build: ['npm run build'], start: 'npm start' },
      port: 8080,
      portFromEnv: true,
    });
    expect(sut.evidence.find((e) => e.field === 'packageManager')).toMatchObject({ file: 'package-lock.json' });
  });

  it('a Next.js app run by next start reads PORT (the local target probes the port it gives), unless its start script fixes one', async () => {
    const pkg = (start: string) =>
      JSON.stringify({ scripts: { build: 'next build', start }, dependencies: { next: '15.1.0', react: '19.0.0', 'react-dom': '19.0.0' } });
    const honours = await analyzeSource(app({ 'package.json': pkg('next start'), 'app/page.js': 'export default () => null;\n' }));
    expect(honours).toMatchObject({ framework: 'nextjs', commands: { start: 'npm start' }, port: 3000, portFromEnv: true });
    expect(honours.evidence).toContainEqual(expect.objectContaining({ field: 'portFromEnv', reason: 'the Next.js server listens on PORT when it is set' }));
    const fixed = await analyzeSource(app({ 'package.json': pkg('next start -p 4000'), 'app/page.js': 'export default () => null;\n' }));
    expect(fixed).toMatchObject({ framework: 'nextjs', port: 4000, portFromEnv: false });
  });

  it.each([
    ['yarn.lock', 'yarn', 'yarn install --frozen-lockfile'],
    ['pnpm-lock.yaml', 'pnpm', 'pnpm install --frozen-lockfile'],
    ['bun.lock', 'bun', 'bun install --frozen-lockfile'],
  ])('takes the package manager from %s', async (lockfile, manager, install) => {
    const sut = await analyzeSource(app({ 'package.json': JSON.stringify({ dependencies: { koa: '2' }, scripts: { start: 'node i.js' } }), [lockfile]: '' }));
    expect(sut.packageManager).toBe(manager);
    expect(sut.commands.install).toEqual([install]);
    expect(sut.framework).toBe('koa');
  });

  it('falls back to "main" when there is no start script, and finds a literal port', async () => {
    const sut = await analyzeSource(
      app({ 'package.json': JSON.stringify({ main: 'lib/app.js' }), 'lib/app.js': 'require("http").createServer().listen(4000)' }),
    );
    expect(sut.commands.start).toBe('node lib/app.js');
    expect(sut).toMatchObject({ port: 4000, portFromEnv: false });
    expect(sut.evidence.find((e) => e.field === 'port')).toMatchObject({ file: 'lib/app.js', line: 1 });
  });

  it('points at the line where an app picks a port of its own, with the line, when it never reads PORT', async () => {
    const report = await analyzeSource(resolve(import.meta.dirname, '../../../../test/fixtures/own-port'));
    expect(report).toMatchObject({ port: null, portFromEnv: false });
    expect(report.evidence).toContainEqual({
      field: 'listen',
      file: 'server.js',
      line: 4,
      reason: 'picks port 47613 itself instead of reading PORT',
      excerpt: 'const port = Number(process.env.HTTP_PORT) || 47613;',
    });
  });

  it('takes the version from .nvmrc before engines', async () => {
    const sut = await analyzeSource(app({ 'package.json': JSON.stringify({ engines: { node: '>=18' } }), '.nvmrc': 'v22.11.0\n', 'server.js': '' }));
    expect(sut.runtime.version).toBe('22.11.0');
  });

  it('classifies the env vars the code reads', async () => {
    const sut = await analyzeSource(
      app({
        'package.json': '{}',
        'server.js':
          'const a = process.env.DATABASE_URL; const b = process.env["STRIPE_SECRET_KEY"]; const c = process.env.NEXT_PUBLIC_SITE; const d = process.env.LOG_LEVEL;',
      }),
    );
    expect(Object.fromEntries(sut.env.map((e) => [e.name, e.kind]))).toEqual({
      DATABASE_URL: 'secret',
      STRIPE_SECRET_KEY: 'secret',
      NEXT_PUBLIC_SITE: 'build',
      LOG_LEVEL: 'runtime',
    });
  });

  it('never reads through a symlink out of the repository', async () => {
    const outside = app({ 'secret.js': 'process.env.LEAKED_THROUGH_LINK' });
    const dir = app({ 'package.json': '{}', 'server.js': '' });
    symlinkSync(join(outside, 'secret.js'), join(dir, 'linked.js'));
    const sut = await analyzeSource(dir);
    expect(sut.env.map((e) => e.name)).not.toContain('LEAKED_THROUGH_LINK');
  });

  it('says clearly when it cannot tell what the app is', async () => {
    await expect(analyzeSource(app({ 'README.md': '# hi' }))).rejects.toMatchObject({ code: 'UNSUPPORTED_APP' });
  });

  it.each([
    ['lts/iron', '20'],
    ['lts/*', '26'],
    ['v22.11.0', '22.11.0'],
  ])('reads .nvmrc %s as Node.js %s', async (nvmrc, version) => {
    const sut = await analyzeSource(app({ '.nvmrc': `${nvmrc}\n`, 'package.json': '{"scripts":{"start":"node index.js"}}', 'index.js': '' }));
    expect(sut.runtime.version).toBe(version);
  });
});
