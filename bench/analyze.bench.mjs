// Analysis time per app over the analyzer's fixture corpus, side by side with Vercel's
// @vercel/fs-detectors (framework detection only) in the same process. Each app is analyzed
// ROUNDS times by both, interleaved; the figure is the ratio of the medians. Then what a person
// feels: the whole `servergem analyze <dir> --json` process against a one-shot node run of the
// peer (node start + detect) on the same folders, and `servergem --help`.
import { spawnSync } from 'node:child_process';
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

// Whole processes, through the launcher as a person runs it (the build is fresh: `npm run bench` built it).
const PROCESS_ROUNDS = Number(process.env.BENCH_PROCESS_ROUNDS ?? 7);
const PROCESS_APPS = ['node/nestjs', 'node/vite-react-spa', 'python/django-pip', 'go/gin-api', 'java/spring-boot-maven', 'ruby/rails-app'];
const cli = join(root, 'bin/servergem.js');
const peerOneShot = `const { detectFramework, LocalFileSystemDetector } = require('@vercel/fs-detectors');
const { frameworkList } = require('@vercel/frameworks');
detectFramework({ fs: new LocalFileSystemDetector(process.argv[1]), frameworkList }).then((f) => console.log(JSON.stringify(f)));`;

function processTime(args) {
  const t = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const ms = performance.now() - t;
  if (result.status !== 0) throw new Error(`\`node ${args.slice(0, 2).join(' ')}\` failed: ${result.stderr}`);
  return ms;
}

const oursProcess = [];
const theirsProcess = [];
const help = [];
for (const app of PROCESS_APPS) {
  const dir = join(corpus, app);
  const a = [];
  const b = [];
  for (let i = 0; i < PROCESS_ROUNDS; i++) {
    a.push(processTime([cli, 'analyze', dir, '--json']));
    b.push(processTime(['-e', peerOneShot, dir]));
    if (app === PROCESS_APPS[0]) help.push(processTime([cli, '--help']));
  }
  oursProcess.push(median(a));
  theirsProcess.push(median(b));
}
const op = median(oursProcess);
const tp = median(theirsProcess);
console.log(`\nwhole process: ${PROCESS_APPS.length} fixture apps, ${PROCESS_ROUNDS} rounds each, median per app`);
console.log(`  node bin/servergem.js analyze <dir> --json ${op.toFixed(0)} ms`);
console.log(`  node -e <@vercel/fs-detectors one-shot>    ${tp.toFixed(0)} ms`);
console.log(`  ratio servergem / vercel                   ${(op / tp).toFixed(2)}x`);
console.log(`  node bin/servergem.js --help               ${median(help).toFixed(0)} ms`);
