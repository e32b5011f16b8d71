import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeSource } from './analyze.js';

/**
 * The fixture corpus: `apps/analyzer/fixtures/<ecosystem>/<app>/` holds a small real app and an
 * `expected.json` with the report fields it must produce (any subset of the report). The app is
 * analyzed from its root; an `"analyze": { "appPath": … }` entry analyzes one sub-folder instead.
 */
const corpus = resolve(import.meta.dirname, '../../fixtures');

const cases = readdirSync(corpus, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .flatMap((ecosystem) =>
    readdirSync(join(corpus, ecosystem.name), { withFileTypes: true })
      .filter((app) => app.isDirectory() && existsSync(join(corpus, ecosystem.name, app.name, 'expected.json')))
      .map((app) => `${ecosystem.name}/${app.name}`),
  )
  .sort();

describe('analyzer fixture corpus', () => {
  it('has fixtures', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases)('%s', async (name) => {
    const dir = join(corpus, name);
    const { analyze, ...expected } = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, unknown> & {
      analyze?: { appPath: string };
    };
    const report = await analyzeSource(dir, analyze?.appPath ?? '.');
    expect(report).toMatchObject(expected);
    // Every field the detector set has evidence behind it.
    const fields = new Set(report.evidence.map((e) => e.field.split('.')[0]));
    if (report.framework) expect(fields).toContain('framework');
    if (report.commands.start) expect(fields).toContain('commands');
    if (report.port !== null) expect(fields.has('port') || fields.has('portFromEnv')).toBe(true);
  });
});
