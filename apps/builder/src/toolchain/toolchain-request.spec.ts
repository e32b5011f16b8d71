import { afterEach, describe, expect, it } from 'vitest';
import type { AnalysisReport } from '#contracts';
import { tempApps } from '#testing';
import { planBuild } from '../dockerfile/generate.js';
import { toolchainRequest } from './toolchain-request.js';

const { app, cleanup } = tempApps('servergem-toolchain-');
afterEach(cleanup);

function report(packageManager: string, runtime = 'node'): AnalysisReport {
  return {
    language: 'node',
    framework: null,
    runtime: { name: runtime, version: null },
    packageManager,
    commands: { install: [`${packageManager} install`], build: [], start: `${packageManager} start` },
    port: 3000,
    portFromEnv: true,
    env: [],
    appPath: '.',
    staticDir: null,
    dockerfile: null,
    evidence: [],
    confidence: 0.9,
    warnings: [],
    services: [],
  };
}

describe(toolchainRequest.name, () => {
  it('takes packageManager first, with its sha512 when it gives one', async () => {
    const hash = 'ab'.repeat(64);
    const dir = app({ 'package.json': JSON.stringify({ packageManager: `pnpm@9.15.0+sha512.${hash}`, engines: { pnpm: '^8' } }) });
    expect(await toolchainRequest(dir, report('pnpm'))).toMatchObject({ tool: 'pnpm', range: '9.15.0', sha512Hex: hash });
  });

  it.each([
    [{ 'package.json': '{"engines":{"pnpm":">=8 <9"}}' }, 'pnpm', '>=8 <9', 'engines.pnpm'],
    [{ 'package.json': '{}', 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n" }, 'pnpm', '9', 'lockfileVersion 9.0'],
    [{ 'package.json': '{}', 'pnpm-lock.yaml': "lockfileVersion: '6.0'\n" }, 'pnpm', '8', 'lockfileVersion 6.0'],
    [{ 'package.json': '{}', 'yarn.lock': '# yarn lockfile v1\n' }, 'yarn', '1', 'yarn lockfile v1'],
    [{ 'package.json': '{}', 'yarn.lock': '__metadata:\n  version: 8\n' }, 'yarn', '4', '__metadata version 8'],
    [{ 'package.json': '{}' }, 'yarn', '1', 'Yarn classic'],
    [{ 'package.json': '{}', 'bun.lock': '{}' }, 'bun', '^1.2.0', 'bun.lock'],
    [{ 'package.json': '{}', 'bun.lockb': 'x' }, 'bun', '1', 'bun.lockb'],
    [{ 'package.json': '{"engines":{"bun":"1.1.x"}}' }, 'bun', '1.1.x', 'engines.bun'],
  ])('reads %j as %s %s', async (files, manager, range, evidence) => {
    const sut = await toolchainRequest(app(files), report(manager, manager === 'bun' ? 'bun' : 'node'));
    expect(sut).toMatchObject({ tool: manager, range });
    expect(sut?.evidence).toContain(evidence);
  });

  it('asks for nothing for npm apps', async () => {
    expect(await toolchainRequest(app({ 'package.json': '{}' }), report('npm'))).toBeNull();
  });
});

describe('the Dockerfile pins the version the local target provisions', () => {
  it.each([
    ['pnpm', 'pnpm', '9.15.0', 'RUN npm install --global --force pnpm@9.15.0'],
    ['yarn', 'yarn', '1.22.22', 'RUN npm install --global --force yarn@1.22.22'],
    ['yarn', 'yarn', '4.5.3', 'RUN npm install --global --force @yarnpkg/cli-dist@4.5.3'],
    ['bun', 'bun', '1.2.23', 'FROM oven/bun:1.2.23-slim'],
  ])('%s %s', (manager, tool, version, line) => {
    const runtime = manager === 'bun' ? 'bun' : 'node';
    const sut = planBuild(report(manager, runtime), null, { version, request: { tool } });
    expect(sut.dockerfile).toContain(line);
  });
});
