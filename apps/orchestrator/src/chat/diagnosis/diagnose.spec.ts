import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnalysisReport, Diagnosis } from '#contracts';
import type { FailureFacts } from './diagnosis-rule.js';
import { diagnose } from './diagnose.js';

function report(overrides: Partial<AnalysisReport> = {}): AnalysisReport {
  return {
    language: 'node',
    framework: null,
    runtime: { name: 'node', version: '18' },
    packageManager: 'npm',
    commands: { install: ['npm ci'], build: [], start: 'npm start' },
    port: null,
    portFromEnv: true,
    env: [],
    appPath: '.',
    evidence: [],
    services: [],
    confidence: 0.9,
    warnings: [],
    ...overrides,
  };
}

function facts(fixture: string, error: Partial<NonNullable<FailureFacts['error']>>, extra: Partial<FailureFacts> = {}): FailureFacts {
  const lines = readFileSync(join(import.meta.dirname, 'fixtures', fixture), 'utf8').split('\n');
  return {
    lines,
    error: { code: 'APP_EXITED', stage: 'verifying', message: 'The app exited (code 1) before it answered HTTP.', hint: '', ...error },
    report: report(),
    target: 'local',
    ...extra,
  };
}

/** The first diagnosis, which the chat leads with. */
function first(input: FailureFacts): Diagnosis {
  const [diagnosis] = diagnose(input);
  expect(diagnosis, 'a rule matched').toBeDefined();
  return diagnosis!;
}

/** `git apply --check` of a patch in a folder holding `files`: the diff is one a person can apply. */
function applies(diff: string, files: Record<string, string> = {}): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'servergem-patch-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, 'fix.diff'), diff);
    return spawnSync('git', ['apply', '--check', 'fix.diff'], { cwd: dir }).status === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe(diagnose.name, () => {
  it('names the missing variable (Node.js), with its line as evidence, and asks for its value', () => {
    const d = first(facts('missing-env-node.log', {}, { report: report({ env: [{ name: 'DATABASE_URL', kind: 'secret', source: 'server.js:4' }] }) }));
    expect(d).toMatchObject({ rule: 'missing-env', title: 'Missing environment variable: DATABASE_URL', fix: { needsValues: ['DATABASE_URL'] } });
    expect(d.evidence).toContain('Error: Missing required environment variable: DATABASE_URL');
    expect(d.explanation).toContain('server.js:4');
    expect(d.explanation).toContain('as a secret');
  });

  it('reads the variables a MISSING_ENV refusal names (nothing was built), and asks for their values', () => {
    const message = 'shop reads 2 variables with no default and no value set: API_KEY (server.js:3), SHOP_DB (lib/db.js:9). Nothing was built.';
    const d = first(facts('missing-env-python.log', { code: 'MISSING_ENV', stage: 'analyzing', message }));
    expect(d).toMatchObject({ rule: 'missing-env', title: 'Missing environment variables: API_KEY, SHOP_DB', fix: { needsValues: ['API_KEY', 'SHOP_DB'] } });
    expect(d.evidence).toEqual([message]);
    expect(d.explanation).toMatch(/^Nothing was built/);
  });

  it('names the missing variable (Python os.environ)', () => {
    const d = first(facts('missing-env-python.log', {}, { report: report({ language: 'python' }) }));
    expect(d).toMatchObject({ rule: 'missing-env', fix: { needsValues: ['SECRET_KEY'] } });
    expect(d.evidence).toContain("KeyError: 'SECRET_KEY'");
  });

  it('finds an app listening on its own port instead of PORT, and proposes the port setting', () => {
    const d = first(facts('fixed-port.log', { code: 'APP_NOT_LISTENING', message: 'The app did not answer HTTP on port 40123 within 60 s.' }));
    expect(d).toMatchObject({ rule: 'fixed-port', title: 'The app listens on port 3000, not on PORT (40123)', fix: { settings: { port: 3000 } } });
    expect(d.evidence).toContain('Server listening on http://localhost:3000');
    expect(d.explanation).toContain('process.env.PORT');
  });

  it('proposes a patch of the line that picks the port, which makes it read PORT', async () => {
    const excerpt = 'const port = Number(process.env.HTTP_PORT) || 3000;';
    const seen = report({ portFromEnv: false, evidence: [{ field: 'listen', file: 'src/server.js', line: 4, reason: 'picks port 3000', excerpt }] });
    const d = first(
      facts('fixed-port.log', { code: 'APP_NOT_LISTENING', message: 'The app did not answer HTTP on port 40123 within 60 s.' }, { report: seen }),
    );
    expect(d.fix).toMatchObject({ settings: { port: 3000 }, patch: { file: 'src/server.js' } });
    expect(d.fix!.patch!.diff).toContain(
      '@@ -4 +4 @@\n-const port = Number(process.env.HTTP_PORT) || 3000;\n+const port = Number(process.env.HTTP_PORT) || (Number(process.env.PORT) || 3000);',
    );
    const { applyFilePatches } = await import('#source');
    const dir = mkdtempSync(join(tmpdir(), 'servergem-port-patch-'));
    try {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src/server.js'), `// one\n// two\n// three\n${excerpt}\nrequire('http').createServer().listen(port);\n`);
      await applyFilePatches(dir, '.', [d.fix!.patch!]);
      expect(readFileSync(join(dir, 'src/server.js'), 'utf8')).toContain('(Number(process.env.PORT) || 3000);');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // A line that does not hold the port it listens on gets no patch, only the setting.
    const other = report({ portFromEnv: false, evidence: [{ field: 'listen', file: 'server.js', line: 1, reason: '', excerpt: 'listen(8080)' }] });
    expect(first(facts('fixed-port.log', { code: 'APP_NOT_LISTENING', message: 'on port 40123 within 60 s' }, { report: other })).fix!.patch).toBeUndefined();
  });

  it('does not blame the port when the app listens where it was told', () => {
    const lines = ['Started pid 1 with PORT=40123', 'listening on 40123', 'TypeError: x is not a function'];
    expect(diagnose({ lines, error: { code: 'APP_EXITED', stage: 'verifying', message: '', hint: '' }, report: report(), target: 'local' })).toEqual([]);
  });

  it('finds a Node.js package that is not installed', () => {
    const d = first(facts('module-not-found-node.log', {}));
    expect(d).toMatchObject({
      rule: 'module-not-found',
      title: 'Node.js package not found: express',
      fix: { summary: 'Add express to dependencies in package.json' },
    });
  });

  it('maps a Python import to its PyPI package and, with no manifest, proposes a requirements.txt that applies', () => {
    const d = first(facts('module-not-found-python.log', {}, { report: report({ language: 'python' }) }));
    expect(d).toMatchObject({ rule: 'module-not-found', title: 'Python module not found: yaml', fix: { patch: { file: 'requirements.txt' } } });
    expect(d.fix!.patch!.diff).toContain('+PyYAML');
    expect(applies(d.fix!.patch!.diff)).toBe(true);
  });

  it('finds a missing start script and proposes the entry file the analysis saw, as a setting and as a Procfile', () => {
    const withEntry = report({ evidence: [{ field: 'entry', file: 'server.js', reason: 'requires http and listens' }] });
    const d = first(facts('start-command.log', {}, { report: withEntry }));
    expect(d).toMatchObject({ rule: 'start-command', fix: { settings: { startCommand: 'node server.js' }, patch: { file: 'Procfile' } } });
    expect(d.explanation).toContain('package.json has no "start" script');
    expect(applies(d.fix!.patch!.diff)).toBe(true);
    expect(first(facts('start-command.log', {})).fix).toBeUndefined();
  });

  it('finds a wrong Node.js version and pins the one required, replacing an existing .nvmrc', () => {
    const pinned = report({ runtime: { name: 'node', version: '18.12.1' }, evidence: [{ field: 'runtime', file: '.nvmrc', reason: 'pinned' }] });
    const d = first(facts('node-version.log', { code: 'BUILD_FAILED', stage: 'building' }, { report: pinned, target: 'cloudrun' }));
    expect(d).toMatchObject({
      rule: 'runtime-version',
      title: 'Wrong Node.js version: 18.12.1, needs ^18.18.0 || ^19.8.0 || >= 20.0.0',
      fix: { patch: { file: '.nvmrc' } },
    });
    expect(d.fix!.patch!.diff).toContain('-18.12.1\n+20');
    expect(applies(d.fix!.patch!.diff, { '.nvmrc': '18.12.1\n' })).toBe(true);
  });

  it('finds a wrong Python version and proposes a .python-version', () => {
    const d = first(
      facts(
        'python-version.log',
        { code: 'BUILD_FAILED', stage: 'building' },
        { report: report({ language: 'python', runtime: { name: 'python', version: null } }) },
      ),
    );
    expect(d).toMatchObject({ rule: 'runtime-version', fix: { patch: { file: '.python-version' } } });
    expect(d.fix!.patch!.diff).toContain('+3.10');
    expect(d.explanation).toContain('installed on this machine');
    expect(applies(d.fix!.patch!.diff)).toBe(true);
  });

  it('finds an out-of-date lockfile and says how to regenerate it', () => {
    const d = first(facts('lockfile.log', { code: 'BUILD_FAILED', stage: 'building' }));
    expect(d).toMatchObject({ rule: 'lockfile', title: 'package-lock.json is out of date', fix: { summary: 'Run npm install and commit package-lock.json' } });
    expect(d.evidence).toContain('npm error Missing: dayjs@1.11.13 from lock file');
  });

  it('finds a build out of heap memory and proposes a bigger build heap', () => {
    const d = first(facts('out-of-memory.log', { code: 'BUILD_FAILED', stage: 'building' }));
    expect(d).toMatchObject({
      rule: 'out-of-memory',
      title: 'Out of memory during the build',
      fix: { settings: { buildEnv: { NODE_OPTIONS: '--max-old-space-size=1024' } } },
    });
  });

  it('finds a Cloud Run instance over its memory limit and doubles it', () => {
    const d = first(facts('out-of-memory-cloudrun.log', { code: 'DEPLOY_FAILED', stage: 'deploying' }, { target: 'cloudrun' }));
    expect(d).toMatchObject({ rule: 'out-of-memory', fix: { settings: { cloudRun: { memory: '1Gi' } } } });
  });

  it('finds a failing health check and proposes the health route the app has', () => {
    const message = 'HTTP check of https://api-00003-2b1f---api-abc123-uc.a.run.app failed: HTTP 500 (revision api-00003-2b1f; api-00002 keeps serving).';
    const d = first(facts('health-check.log', { code: 'DEPLOY_FAILED', stage: 'verifying', message }, { target: 'cloudrun' }));
    expect(d).toMatchObject({
      rule: 'health-check',
      title: 'Health check failed: the app answered 500',
      fix: { settings: { healthCheckPath: '/api/health' } },
    });
  });

  it('every proposed settings change passes the settings contract', async () => {
    const { settingsChangeSchema } = await import('#contracts');
    const all = [
      first(facts('fixed-port.log', { code: 'APP_NOT_LISTENING', message: 'on port 40123 within 60 s' })),
      first(facts('out-of-memory.log', { code: 'BUILD_FAILED', stage: 'building' })),
      first(facts('out-of-memory-cloudrun.log', { code: 'DEPLOY_FAILED' }, { target: 'cloudrun' })),
    ];
    for (const d of all) expect(settingsChangeSchema.safeParse(d.fix!.settings).success).toBe(true);
  });

  it('says nothing it cannot show: no rule, no diagnosis', () => {
    expect(diagnose({ lines: ['Segmentation fault'], error: null, report: null, target: 'local' })).toEqual([]);
  });
});
