import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DomainError } from '#common';
import { expectedCorpusSchema, percent, scoreCorpus } from '../eval/corpus-score.js';

/** `servergem eval-corpus <examples-dir> <expected.json>`: the analyzer scored against a peer corpus. */
export async function evalCorpusCommand(examplesDir: string, expectedFile: string, options: { json: boolean }): Promise<number> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(resolve(expectedFile), 'utf8'));
  } catch (error) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `Could not read ${expectedFile}: ${(error as Error).message}.`,
      'Give the expected.json made by scripts/corpus-expected.mjs.',
    );
  }
  const expected = expectedCorpusSchema.parse(raw);
  const result = await scoreCorpus(resolve(examplesDir), expected);
  if (options.json) {
    console.log(JSON.stringify(result, null, 2));
    return 0;
  }
  console.log(`${result.source}: ${result.apps} examples`);
  const labels = {
    language: 'language',
    framework: 'framework',
    packageManager: 'package manager',
    planned: 'a start where one is needed',
    start: 'the same start as the peer',
    port: 'port',
  } as const;
  for (const key of ['language', 'framework', 'packageManager', 'planned', 'start', 'port'] as const) {
    if (result[key].total > 0) console.log(`  ${labels[key].padEnd(28)} ${percent(result[key])}`);
  }
  const withStatic = { hits: result.port.hits + result.staticPort.hits, total: result.port.total + result.staticPort.total, misses: [] };
  console.log(`  port, static sites included: ${percent(withStatic)} (static sites alone ${percent(result.staticPort)})`);
  for (const key of ['language', 'framework', 'packageManager', 'planned', 'start', 'port', 'staticPort'] as const) {
    if (result[key].misses.length === 0) continue;
    console.log(`\n${key} misses:`);
    for (const miss of result[key].misses) console.log(`  ${miss}`);
  }
  return 0;
}
