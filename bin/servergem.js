#!/usr/bin/env node
// Launcher: makes sure dependencies are installed and the TypeScript build is current, then runs
// the CLI. This is what lets `npm start` work on a fresh clone. Freshness is a few stats against
// the stamp the last build wrote (bin/build-stamp.js), not a walk of the source tree.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isFresh, snapshot, writeStamp } from './build-stamp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist/apps/cli/src/main.js');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', process.stderr, 'inherit'] });
  if (result.status !== 0) {
    console.error(`servergem: \`${command} ${args.join(' ')}\` failed; fix the error above and try again.`);
    process.exit(1);
  }
}

/** Rebuilds a target when its sources changed since its last build, recording them as they were before. */
function ensureBuilt(target, output, label, command, args) {
  if (existsSync(output) && isFresh(root, target)) return;
  const sources = snapshot(root, target);
  console.error(`servergem: ${label}…`);
  run(command, args);
  writeStamp(root, target, sources);
}

if (!existsSync(join(root, 'node_modules/.package-lock.json'))) {
  console.error('servergem: installing dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

ensureBuilt('server', entry, 'building', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')]);
// The web UI (apps/web) is built by Vite, not tsc.
const web = join(root, 'apps/web');
ensureBuilt('web', join(web, 'dist/index.html'), 'building the web UI', process.execPath, [
  join(root, 'node_modules/vite/bin/vite.js'),
  'build',
  '--config',
  join(web, 'vite.config.ts'),
  '--logLevel',
  'warn',
]);

await import(pathToFileURL(entry).href);
