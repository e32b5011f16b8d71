import { describe, expect, it } from 'vitest';
import type { AnalysisReport } from '#contracts';
import { applyChange, buildTimeChanges, checkEnv, emptySettings, missingEnvError, settingsView } from './settings-change.js';

const report = (env: AnalysisReport['env']): AnalysisReport =>
  ({
    language: 'node',
    framework: null,
    runtime: { name: 'node', version: null },
    packageManager: 'npm',
    commands: { install: [], build: [], start: 'node server.js' },
    port: null,
    portFromEnv: true,
    env,
    appPath: '.',
    evidence: [],
    confidence: 1,
    warnings: [],
    services: [],
  }) as AnalysisReport;

describe(applyChange.name, () => {
  it('sets, replaces and unsets names, keeping each in one place only', () => {
    const first = applyChange(emptySettings(), { env: { A: '1', B: '2' }, sealedSecrets: { S: 'sealed-s' }, buildEnv: { NEXT_PUBLIC_X: 'x' } });
    expect(first.changed.sort()).toEqual(['A', 'B', 'NEXT_PUBLIC_X', 'S']);
    expect(first.settings).toMatchObject({ env: { A: '1', B: '2' }, secrets: { S: 'sealed-s' }, buildEnv: { NEXT_PUBLIC_X: 'x' } });

    // A plain value made secret leaves the plain variables, and back.
    const second = applyChange(first.settings, { sealedSecrets: { A: 'sealed-a' }, env: { S: 'plain' }, unset: ['B', 'NOPE'] });
    expect(second.settings.env).toEqual({ S: 'plain' });
    expect(second.settings.secrets).toEqual({ A: 'sealed-a' });
    expect(second.changed.sort()).toEqual(['A', 'B', 'S']);
  });

  it('keeps build-time secrets apart from build-time variables, and unset removes them too', () => {
    const first = applyChange(emptySettings(), { buildEnv: { NPM_TOKEN: 'oops-plain', NEXT_PUBLIC_X: 'x' }, sealedSecrets: { NPM_TOKEN: 'sealed-runtime' } });
    const second = applyChange(first.settings, { sealedBuildSecrets: { NPM_TOKEN: 'sealed-build' } });
    expect(second.settings).toMatchObject({
      buildEnv: { NEXT_PUBLIC_X: 'x' },
      buildSecrets: { NPM_TOKEN: 'sealed-build' },
      secrets: { NPM_TOKEN: 'sealed-runtime' },
    });
    expect(second.changed).toEqual(['NPM_TOKEN']);
    expect(settingsView(second.settings, 2, (sealed) => (sealed === 'sealed-build' ? 'npm_abcdefghijklmnop1234' : null)).buildSecrets).toEqual([
      { name: 'NPM_TOKEN', masked: '••••1234' },
    ]);
    const third = applyChange(second.settings, { unset: ['NPM_TOKEN'] });
    expect(third.settings).toMatchObject({ buildSecrets: {}, secrets: {}, buildEnv: { NEXT_PUBLIC_X: 'x' } });
  });

  it('applies the other settings only when present', () => {
    const { settings, changed } = applyChange(emptySettings(), { startCommand: 'node main.js', port: 8081, cloudRun: { memory: '1Gi' } });
    expect(settings).toMatchObject({ startCommand: 'node main.js', port: 8081, healthCheckPath: '/', cloudRun: { memory: '1Gi' } });
    expect(changed.sort()).toEqual(['cloudRun', 'port', 'startCommand']);
    expect(applyChange(settings, { startCommand: null }).settings.startCommand).toBeNull();
  });

  it('refuses more than 200 variables', () => {
    const many = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`V${i}`, 'x']));
    const more = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`W${i}`, 'x']));
    const { settings } = applyChange(emptySettings(), { env: many });
    expect(() => applyChange(settings, { env: more })).toThrow(/at most 200/);
  });
});

describe(buildTimeChanges.name, () => {
  const open = (sealed: string) => sealed.replace(/^sealed-\d-/, '');

  it('names the build-time variables and secrets added, changed or removed, and nothing else', () => {
    const before = applyChange(emptySettings(), {
      env: { A: '1' },
      buildEnv: { KEEP: 'k', CHANGE: 'old', DROP: 'd' },
      sealedBuildSecrets: { TOKEN: 'sealed-1-t' },
    }).settings;
    const after = applyChange(before, { env: { A: '2' }, buildEnv: { CHANGE: 'new', ADD: 'a' }, unset: ['DROP'], sealedSecrets: { S: 'x' } }).settings;
    expect(buildTimeChanges(before, after, open)).toEqual(['ADD', 'CHANGE', 'DROP']);
    expect(buildTimeChanges(before, before, open)).toEqual([]);
  });

  it('compares build-time secrets by value: sealed again with the same value is no change', () => {
    const before = applyChange(emptySettings(), { sealedBuildSecrets: { TOKEN: 'sealed-1-t' } }).settings;
    expect(buildTimeChanges(before, applyChange(before, { sealedBuildSecrets: { TOKEN: 'sealed-2-t' } }).settings, open)).toEqual([]);
    expect(buildTimeChanges(before, applyChange(before, { sealedBuildSecrets: { TOKEN: 'sealed-3-u' } }).settings, open)).toEqual(['TOKEN']);
    // Made a plain build-time variable: it moved, and the build sees it differently.
    expect(buildTimeChanges(before, applyChange(before, { buildEnv: { TOKEN: 't' } }).settings, open)).toEqual(['TOKEN']);
  });
});

describe(settingsView.name, () => {
  it('shows secrets as names and a masked tail, never the value', () => {
    const { settings } = applyChange(emptySettings(), { env: { A: '1' }, sealedSecrets: { LONG: 'sealed-long', SHORT: 'sealed-short', BAD: 'x' } });
    const open = (sealed: string) => ({ 'sealed-long': 'a-long-secret-value-1234', 'sealed-short': 'tiny' })[sealed] ?? null;
    const view = settingsView(settings, 3, open);
    expect(view).toMatchObject({ version: 3, env: { A: '1' } });
    expect(view.secrets).toEqual([
      { name: 'BAD', masked: '••••' },
      { name: 'LONG', masked: '••••1234' },
      { name: 'SHORT', masked: '••••' },
    ]);
    expect(JSON.stringify(view)).not.toContain('a-long-secret-value');
  });
});

describe(checkEnv.name, () => {
  it('lists the required variables without a value as missing, the ones with a default as defaulted', () => {
    const r = report([
      { name: 'API_KEY', kind: 'secret', source: 'server.js:8', required: true },
      { name: 'DB_URL', kind: 'runtime', source: 'db.js:1', required: true },
      { name: 'GREETING', kind: 'runtime', source: 'server.js:5', required: false },
      { name: 'PORT', kind: 'runtime', source: 'server.js:4', required: true },
      { name: 'VITE_X', kind: 'build', source: 'a.ts:1', required: true },
    ]);
    expect(checkEnv(r, emptySettings())).toEqual({
      missing: [
        { name: 'API_KEY', secret: true, source: 'server.js:8' },
        { name: 'DB_URL', secret: false, source: 'db.js:1' },
      ],
      defaulted: [{ name: 'GREETING', source: 'server.js:5' }],
    });
    const given = applyChange(emptySettings(), { env: { DB_URL: 'x', GREETING: 'hi' }, sealedSecrets: { API_KEY: 's' } }).settings;
    expect(checkEnv(r, given)).toEqual({ missing: [], defaulted: [] });
  });
});

describe(missingEnvError.name, () => {
  it('names every missing variable and gives the exact commands', () => {
    const error = missingEnvError('shop', '/srv/my app', [
      { name: 'API_KEY', secret: true, source: 'server.js:8' },
      { name: 'DB_URL', secret: false, source: 'db.js:1' },
    ]);
    expect(error.code).toBe('MISSING_ENV');
    expect(error.message).toContain('API_KEY (server.js:8), DB_URL (db.js:1)');
    expect(error.hint).toContain("`servergem deploy '/srv/my app' --secret API_KEY=<value> --env DB_URL=<value>`");
    expect(error.hint).toContain('`servergem env set shop DB_URL=<value>` and `servergem env set shop --secret API_KEY=<value>`');
    expect(error.hint).toContain('servergem redeploy shop');
  });
});
