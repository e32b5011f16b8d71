// Build freshness in a few milliseconds. A build records the modification time of every source
// file and of every folder on the way to one; the launcher then only stats those paths. An edit
// changes a file's time, and adding, removing or renaming a file changes its folder's time, so a
// changed tree is always seen without walking it.
//   node bin/build-stamp.js begin   before a build: record the sources as they are now
//   node bin/build-stamp.js end     after a successful build: make that record the stamp
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SKIPPED = new Set(['node_modules', 'dist', 'fixtures', '.git']);

/** What each build reads: the server's tsc sources, and the web UI's Vite sources. */
export const TARGETS = {
  server: { roots: ['apps', 'libs'], pattern: /\.ts$/, skip: ['apps/web'], files: ['tsconfig.json', 'tsconfig.build.json', 'package.json'] },
  web: { roots: ['apps/web/src', 'libs/contracts/src'], pattern: /\.(tsx?|css)$/, skip: [], files: ['apps/web/index.html', 'apps/web/vite.config.ts'] },
};

function stampFile(root) {
  return join(root, 'dist/.build-stamp');
}

/** Every source file of a target and every folder holding one, with their modification times. */
export function snapshot(root, target) {
  const { roots, pattern, skip, files } = TARGETS[target];
  const entries = {};
  const walk = (dir) => {
    const rel = relative(root, dir);
    if (skip.includes(rel)) return false;
    let found = false;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED.has(entry.name) && walk(full)) found = true;
      } else if (pattern.test(entry.name)) {
        entries[relative(root, full)] = statSync(full).mtimeMs;
        found = true;
      }
    }
    // A folder with sources below it: a file added to it changes its time.
    if (found) entries[rel] = statSync(dir).mtimeMs;
    return found;
  };
  for (const dir of roots) if (existsSync(join(root, dir))) walk(join(root, dir));
  for (const file of files) if (existsSync(join(root, file))) entries[file] = statSync(join(root, file)).mtimeMs;
  return entries;
}

function readStamp(path) {
  try {
    const stamp = JSON.parse(readFileSync(path, 'utf8'));
    return stamp && typeof stamp === 'object' ? stamp : {};
  } catch {
    return {};
  }
}

/** Whether the last build of a target saw exactly the sources there are now (stats only). */
export function isFresh(root, target) {
  const entries = readStamp(stampFile(root))[target];
  if (!entries || typeof entries !== 'object') return false;
  for (const [path, mtime] of Object.entries(entries)) {
    try {
      if (statSync(join(root, path)).mtimeMs !== mtime) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Records a target's sources as of before its build, once the build has succeeded. */
export function writeStamp(root, target, entries) {
  const path = stampFile(root);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify({ ...readStamp(path), [target]: entries }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const pending = join(root, 'dist/.build-stamp.pending');
  const step = process.argv[2];
  if (step === 'begin') {
    mkdirSync(join(root, 'dist'), { recursive: true });
    writeFileSync(pending, JSON.stringify({ server: snapshot(root, 'server'), web: snapshot(root, 'web') }));
  } else if (step === 'end') {
    renameSync(pending, stampFile(root));
  } else {
    console.error('usage: node bin/build-stamp.js begin|end');
    process.exit(2);
  }
}
