// Log lines per second through the Redactor on a 10,000-line build log, against a baseline run in
// the same script: one `replaceAll` of the bare token (the least any redaction can do). The log is
// npm and bundler output with base64 blobs and hashes; one line in a hundred carries the token in
// some encoding. The ratio is the Redactor's time over the baseline's.
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = resolve(import.meta.dirname, '..');
const { Redactor } = await import(join(root, 'dist/libs/common/src/index.js'));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const LINES = 10_000;

const alnum = (n) => Array.from(randomBytes(n), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[b % 62]).join('');
const token = `ghp_${alnum(36)}`;
const b64 = (text) => Buffer.from(text).toString('base64');
const leaks = [
  (t) => `remote: using ${t}`,
  (t) => `echo ${b64(`${t}\n`)}`,
  (t) => `Authorization: Basic ${b64(`git:${t}`)}`,
  (t) => `token=${encodeURIComponent(t)}&x=1`,
  (t) => `hex ${Buffer.from(t).toString('hex').toUpperCase()}`,
];
const ordinary = [
  (i) => `npm http fetch GET 200 https://registry.npmjs.org/pkg-${i} ${i % 97}ms (cache hit)`,
  (i) => `  dist/assets/index-${alnum(8)}.js   ${(i % 500) + 12}.${i % 10} kB │ gzip: ${(i % 90) + 3}.${i % 7} kB`,
  (i) => `added ${i % 400} packages, and audited ${i % 401} packages in ${i % 9}s`,
  () => `integrity sha512-${randomBytes(48).toString('base64')}`,
  () => `commit ${randomBytes(20).toString('hex')}`,
  (i) => `[webpack] compiled module ./src/components/Widget${i}.tsx in ${i % 300} ms`,
  () => `data:image/png;base64,${randomBytes(90).toString('base64')}`,
];
const log = Array.from({ length: LINES }, (_, i) => (i % 100 === 50 ? leaks[((i / 100) % leaks.length) | 0](token) : ordinary[i % ordinary.length](i)));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(redact) {
  const started = performance.now();
  let kept = 0;
  for (const line of log) kept += redact(line).length;
  return { ms: performance.now() - started, kept };
}

const sut = new Redactor([token]);
const baseline = (line) => line.replaceAll(token, '[redacted]');
// Warm both up once so JIT compilation is not counted.
time((l) => sut.redact(l));
time(baseline);
const ours = [];
const theirs = [];
for (let i = 0; i < ROUNDS; i++) {
  ours.push(time((l) => sut.redact(l)).ms);
  theirs.push(time(baseline).ms);
}
// A leak line the Redactor left as it was still shows the token in some form.
const leaked = log.filter((l, i) => i % 100 === 50 && sut.redact(l) === l).length;
const o = median(ours);
const t = median(theirs);
console.log(`redact bench: ${LINES} build log lines, ${ROUNDS} rounds, median`);
console.log(`  Redactor.redact                ${Math.round(LINES / (o / 1000)).toLocaleString('en')} lines/s (${o.toFixed(2)} ms)`);
console.log(`  baseline replaceAll(token)     ${Math.round(LINES / (t / 1000)).toLocaleString('en')} lines/s (${t.toFixed(2)} ms)`);
console.log(`  ratio Redactor / baseline      ${(o / t).toFixed(2)}x`);
console.log(`  lines still showing the token  ${leaked} of ${LINES / 100}`);
