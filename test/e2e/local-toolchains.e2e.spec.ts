import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployOverSocket, dropSchema, getText, pathWithout, PROVISIONED_PROGRAMS, TEST_DATABASE_URL, type DeployTranscript } from '#testing';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const fixtures = resolve(import.meta.dirname, '../fixtures/toolchains');

/**
 * The apps a new user brings, on a host with Node and npm and no other package manager: each goes
 * live on the `local` target with the toolchain it declares, provisioned from the npm registry this
 * machine reaches (its dependencies come from there too), into one toolchain cache they share.
 */
describe('local target: pnpm, Yarn, Bun and Next.js apps on a host with only Node and npm', () => {
  const schema = `e2e_tc_${randomBytes(4).toString('hex')}`;
  let home: string;
  let work: string;
  let path: string;
  let sut: AllInOne;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-tc-'));
    work = mkdtempSync(join(tmpdir(), 'servergem-tc-src-'));
    // Built here, not taken from the environment: a pnpm, Yarn or Bun on this machine is not on it.
    path = pathWithout(PROVISIONED_PROGRAMS);
    for (const program of ['node', 'npm']) expect(existsSync(join(path, program))).toBe(true);
    sut = await startAllInOne(
      {
        PATH: path,
        HOME: process.env.HOME,
        // A host behind a TLS-inspecting proxy trusts its authority this way; the builds must too.
        ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
        SERVERGEM_HOME: home,
        PORT: '0',
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        APP_START_TIMEOUT_SECONDS: '60',
      },
      () => undefined,
    );
  });

  afterAll(async () => {
    await sut?.stop();
    // Apps outlive ServerGem on purpose, so the test stops them itself.
    await removeInstallation(home);
    rmSync(work, { recursive: true, force: true });
    rmSync(path, { recursive: true, force: true });
    await dropSchema(schema);
  });

  async function deploy(fixture: string): Promise<{ transcript: DeployTranscript; logs: string[]; body: string }> {
    // A folder of its own per run: the service is named after it.
    const app = join(work, `${fixture}-${randomBytes(3).toString('hex')}`);
    cpSync(join(fixtures, fixture), app, { recursive: true });
    const transcript = await deployOverSocket(sut, { repoUrl: app }, { timeoutMs: 300_000 });
    const logs = transcript.updates.flatMap((u) => u.logs);
    expect(transcript.error, logs.slice(-30).join('\n')).toBeUndefined();
    expect(transcript.updates.at(-1)).toMatchObject({ stage: 'live' });
    const answer = await getText(transcript.complete!.url);
    expect(answer.status).toBe(200);
    return { transcript, logs, body: answer.body };
  }

  /** The provisioning step's lines: the version with its evidence, then where it came from. */
  function provisioned(transcript: DeployTranscript, name: string): { version: string; downloaded: boolean; evidence: string } {
    const step = transcript.updates.find((u) => u.message.startsWith(`Provisioning ${name} `));
    expect(step, `a "Provisioning ${name}" step`).toBeDefined();
    const version = step!.message.slice(`Provisioning ${name} `.length);
    const logs = transcript.updates.flatMap((u) => u.logs);
    const chosen = logs.find((l) => l.startsWith(`${name} ${version}: `));
    expect(chosen, `the line choosing ${name} ${version}`).toBeDefined();
    const downloaded = logs.some((l) => l.startsWith(`${name} ${version} is in the toolchain cache now`));
    const reused = logs.includes(`${name} ${version} is in the toolchain cache (no download)`);
    expect(downloaded !== reused).toBe(true);
    // Chosen from the cache, without asking the registry, exactly when nothing was downloaded.
    expect(chosen!.endsWith(' (in the toolchain cache)')).toBe(reused);
    // The tool's own `--version` output follows.
    expect(logs).toContain(version);
    return { version, downloaded, evidence: chosen!.slice(`${name} ${version}: `.length).replace(' (in the toolchain cache)', '') };
  }

  it('pnpm at the version packageManager pins', { timeout: 300_000 }, async () => {
    const { transcript, logs, body } = await deploy('pnpm-app');
    expect(provisioned(transcript, 'pnpm')).toEqual({ version: '9.15.0', downloaded: true, evidence: 'packageManager in package.json is "pnpm@9.15.0"' });
    expect(logs).toContain('$ pnpm install --frozen-lockfile');
    expect(body).toBe('pnpm-app via pnpm/9.15.0: 2h is 7200000 ms\n');
  });

  it("Yarn classic, from yarn.lock's v1 format", { timeout: 300_000 }, async () => {
    const { transcript, logs, body } = await deploy('yarn-classic-app');
    const yarn = provisioned(transcript, 'Yarn');
    expect(yarn).toMatchObject({ downloaded: true, evidence: 'yarn.lock is Yarn classic\'s format ("yarn lockfile v1")' });
    expect(yarn.version).toMatch(/^1\./);
    expect(logs).toContain('$ yarn install --frozen-lockfile');
    expect(body).toBe(`yarn-classic-app via yarn/${yarn.version}: 2h is 7200000 ms\n`);
  });

  it("Yarn berry, from yarn.lock's __metadata, running under Plug'n'Play", { timeout: 300_000 }, async () => {
    const { transcript, logs, body } = await deploy('yarn-berry-app');
    const yarn = provisioned(transcript, 'Yarn');
    expect(yarn).toMatchObject({ downloaded: true });
    expect(yarn.evidence).toMatch(/^yarn\.lock is Yarn 4's format \(__metadata version \d+\)$/);
    expect(yarn.version).toMatch(/^4\./);
    expect(logs).toContain('$ yarn install --immutable');
    expect(body).toBe(`yarn-berry-app via yarn/${yarn.version}: 2h is 7200000 ms\n`);
  });

  it('Bun from bun.lock, then the same Bun from the cache for bun.lockb and engines.bun', { timeout: 300_000 }, async () => {
    const text = await deploy('bun-lock-app');
    const first = provisioned(text.transcript, 'Bun');
    expect(first).toMatchObject({ downloaded: true, evidence: 'bun.lock is the text lockfile of Bun 1.2 and later' });
    expect(text.logs).toContain('$ bun install --frozen-lockfile');
    expect(text.body).toBe(`bun-lock-app via bun/${first.version}: 2h is 7200000 ms\n`);

    // A binary lockfile, as Bun wrote them before 1.2 (and still does when asked).
    const lockb = readFileSync(join(fixtures, 'bun-lockb-app/bun.lockb'));
    expect(lockb.subarray(0, 42).toString('latin1')).toBe('#!/usr/bin/env bun\nbun-lockfile-format-v0\n');
    const binary = await deploy('bun-lockb-app');
    expect(provisioned(binary.transcript, 'Bun')).toEqual({ version: first.version, downloaded: false, evidence: 'bun.lockb is a Bun 1 lockfile' });
    expect(binary.body).toBe(`bun-lockb-app via bun/${first.version}: 2h is 7200000 ms\n`);

    // Bun as the runtime too: TypeScript served by Bun.serve, without a build.
    const engines = await deploy('bun-engines-app');
    expect(provisioned(engines.transcript, 'Bun')).toEqual({ version: first.version, downloaded: false, evidence: 'engines.bun in package.json is ">=1.2.0"' });
    expect(engines.body).toBe(`bun-engines-app on Bun ${first.version}\n`);
  });

  it('a Next.js app built with npm and run by next start on the port it is given', { timeout: 300_000 }, async () => {
    const { transcript, logs, body } = await deploy('next-app');
    expect(transcript.updates.some((u) => u.message.startsWith('Provisioning '))).toBe(false);
    expect(logs).toContain('$ npm ci');
    expect(logs).toContain('$ npm run build');
    expect(body).toContain('<h1>next-app on ServerGem</h1>');
  });
});
