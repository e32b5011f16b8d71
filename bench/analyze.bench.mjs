// Analysis time per app over the analyzer's fixture corpus, side by side with Vercel's
// @vercel/fs-detectors (framework detection only) in the same process. Each app is analyzed
// ROUNDS times by both, interleaved; the figure is the ratio of the medians.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const { detectFramework, LocalFileSystemDetector } = require('@vercel/fs-detectors');
const frameworkList = require('@vercel/frameworks').frameworkList ?? require('@vercel/frameworks').default;
const { analyzeSource } = await import(join(root, 'dist/apps/analyzer/src/detect/analyze.js'));

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const corpus = join(root, 'apps/analyzer/fixtures');
const apps = readdirSync(corpus).flatMap((eco) => readdirSync(join(corpus, eco)).map((app) => join(corpus, eco, app)));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

// Warm both up once so module loading and JIT are not counted.
for (const dir of apps) {
  await analyzeSource(dir).catch(() => null);
  await detectFramework({ fs: new LocalFileSystemDetector(dir), frameworkList });
}

const ours = [];
const theirs = [];
let fieldsFilled = 0;
for (const dir of apps) {
  const a = [];
  const b = [];
  for (let i = 0; i < ROUNDS; i++) {
    a.push(await time(() => analyzeSource(dir).catch(() => null)));
    b.push(await time(() => detectFramework({ fs: new LocalFileSystemDetector(dir), frameworkList })));
  }
  ours.push(median(a));
  theirs.push(median(b));
  const report = await analyzeSource(dir).catch(() => null);
  if (report && report.language && report.runtime && Array.isArray(report.evidence) && report.evidence.length > 0) fieldsFilled++;
}

const o = median(ours);
const t = median(theirs);
console.log(`analyzer bench: ${apps.length} fixture apps, ${ROUNDS} rounds each, median per app`);
console.log(`  servergem analyzeSource (full report)   ${o.toFixed(2)} ms`);
console.log(`  @vercel/fs-detectors detectFramework     ${t.toFixed(2)} ms`);
console.log(`  ratio servergem / vercel                 ${(o / t).toFixed(2)}x`);
console.log(`  apps with a full report and evidence     ${fieldsFilled}/${apps.length}`);
