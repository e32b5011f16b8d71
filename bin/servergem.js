#!/usr/bin/env node
// Launcher: makes sure dependencies are installed and the TypeScript build is current, then runs
// the CLI. This is what lets `npm start` work on a fresh clone.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist/apps/cli/src/main.js');
const stamp = join(root, 'dist/.build-stamp');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', process.stderr, 'inherit'] });
  if (result.status !== 0) {
    console.error(`servergem: \`${command} ${args.join(' ')}\` failed; fix the error above and try again.`);
    process.exit(1);
  }
}

function newestSource(dir, pattern = /\.ts$/) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) newest = entry.name === 'dist' || entry.name === 'node_modules' ? newest : Math.max(newest, newestSource(full, pattern));
    else if (pattern.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

if (!existsSync(join(root, 'node_modules/.package-lock.json'))) {
  console.error('servergem: installing dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

const sources = Math.max(newestSource(join(root, 'apps')), newestSource(join(root, 'libs')), statSync(join(root, 'tsconfig.json')).mtimeMs);
if (!existsSync(entry) || !existsSync(stamp) || statSync(stamp).mtimeMs < sources) {
  console.error('servergem: building…');
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')]);
  writeFileSync(stamp, new Date().toISOString());
}

// The web UI (apps/web) is built by Vite, not tsc; rebuild it when its sources are newer than its bundle.
const web = join(root, 'apps/web');
const webIndex = join(web, 'dist/index.html');
const webSources = Math.max(
  newestSource(join(web, 'src'), /\.(tsx?|css)$/),
  newestSource(join(root, 'libs/contracts/src')),
  statSync(join(web, 'index.html')).mtimeMs,
  statSync(join(web, 'vite.config.ts')).mtimeMs,
);
if (!existsSync(webIndex) || statSync(webIndex).mtimeMs < webSources) {
  console.error('servergem: building the web UI…');
  run(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(web, 'vite.config.ts'), '--logLevel', 'warn']);
}

await import(pathToFileURL(entry).href);
