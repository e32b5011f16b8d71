#!/usr/bin/env node
// Builds the expected.json that `npm run eval:corpus` scores against, from a peer's public
// corpus checked out outside this repository (never committed):
//   node scripts/corpus-expected.mjs railpack <railpack-checkout> > railpack.json
//   node scripts/corpus-expected.mjs nixpacks <nixpacks-checkout> > nixpacks.json
// railpack: start command from each example's plan snapshot, port from its test.json, language
// from the example's name. nixpacks: language from the provider its plan snapshot names.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [kind, root] = process.argv.slice(2);
if (!['railpack', 'nixpacks'].includes(kind) || !root) {
  console.error('usage: node scripts/corpus-expected.mjs <railpack|nixpacks> <checkout>');
  process.exit(2);
}

/** Our language names for the peers' provider and example-name prefixes. */
const LANGUAGES = {
  node: 'node',
  bun: 'node',
  pnpm: 'node',
  npm: 'node',
  expo: 'node',
  tanstack: 'node',
  mise: 'node',
  python: 'python',
  django: 'python',
  ruby: 'ruby',
  php: 'php',
  go: 'go',
  golang: 'go',
  rust: 'rust',
  java: 'java',
  dotnet: 'dotnet',
  csharp: 'dotnet',
  fsharp: 'dotnet',
  elixir: 'elixir',
  deno: 'deno',
  staticfile: 'static',
  shell: 'shell',
  gleam: 'gleam',
  cpp: 'cpp',
  crystal: 'crystal',
  dart: 'dart',
  'c#': 'dotnet',
  'f#': 'dotnet',
  haskell: 'haskell',
  scala: 'scala',
  clojure: 'clojure',
  swift: 'swift',
  zig: 'zig',
  cobol: 'cobol',
  lunatic: 'rust',
};
/** Examples whose name does not start with their language (read from the example itself). */
const RAILPACK_LANGUAGE = { 'config-file': 'python', dockerignore: 'shell', 'railpack-env-configuration': 'shell', secrets: 'shell' };

/** The package manager an install command runs, in our names. */
const MANAGERS = [
  [/\b(?:bun (?:install|i)\b)/, 'bun'],
  [/\bpnpm (?:install|i)\b/, 'pnpm'],
  [/\byarn install\b/, 'yarn'],
  [/\bnpm (?:ci|install|i)\b/, 'npm'],
  [/\buv sync\b/, 'uv'],
  [/\bpoetry install\b/, 'poetry'],
  [/\bpdm install\b/, 'pdm'],
  [/\bpipenv install\b/, 'pipenv'],
  [/\bpip install\b/, 'pip'],
  [/\bbundle install\b/, 'bundler'],
  [/\bcomposer install\b/, 'composer'],
  [/\bgo mod download\b/, 'go'],
  [/\bcargo build\b/, 'cargo'],
  [/\bdotnet restore\b/, 'dotnet'],
  [/\bmix deps\.get\b/, 'mix'],
  [/\.\/gradlew\b|\bgradle\b/, 'gradle'],
  [/\.\/mvnw\b|\bmvn\b/, 'maven'],
];
const managerOf = (commands) => {
  // `npm i -g corepack` installs a tool, not the app's packages.
  for (const command of commands.filter((c) => !/\s-g\b|corepack|node-gyp/.test(c)))
    for (const [pattern, name] of MANAGERS) if (pattern.test(command)) return name;
  return null;
};

const stripComments = (text) => text.replace(/("(?:\\.|[^"\\])*")|\/\/[^\n]*/g, (_m, s) => s ?? '');

function railpack() {
  const apps = {};
  const snapshots = join(root, 'core/__snapshots__');
  for (const name of readdirSync(join(root, 'examples'))) {
    const snap = join(snapshots, `TestGenerateBuildPlanForExamples_${name}_1.snap.json`);
    const plan = existsSync(snap) ? JSON.parse(readFileSync(snap, 'utf8')) : null;
    const start = plan?.deploy?.startCommand ?? null;
    const installs = (plan?.steps ?? []).filter((s) => /^(install|build)/.test(s.name ?? '')).flatMap((s) => (s.commands ?? []).map((c) => c.cmd ?? ''));
    let port = null;
    const testFile = join(root, 'examples', name, 'test.json');
    if (existsSync(testFile)) {
      try {
        const tests = JSON.parse(stripComments(readFileSync(testFile, 'utf8')));
        port = tests.map((t) => t?.httpCheck?.internalPort).find((p) => typeof p === 'number') ?? null;
      } catch {
        port = null;
      }
    }
    const language = RAILPACK_LANGUAGE[name] ?? LANGUAGES[name.split('-')[0]] ?? null;
    apps[name] = { language, start, port, packageManager: managerOf(installs) };
  }
  return { source: 'railpack', apps };
}

function nixpacks() {
  const apps = {};
  const snapshots = join(root, 'tests/snapshots');
  const examples = new Set(readdirSync(join(root, 'examples')));
  for (const file of readdirSync(snapshots)) {
    const match = /^generate_plan_tests__(.+)\.snap$/.exec(file);
    if (!match) continue;
    const name = match[1].replace(/_/g, '-');
    if (!examples.has(name)) continue;
    const text = readFileSync(join(snapshots, file), 'utf8');
    const plan = JSON.parse(text.slice(text.indexOf('{')));
    const provider = (plan.variables?.NIXPACKS_METADATA ?? '').split(',')[0];
    const language = LANGUAGES[provider] ?? (provider || null);
    const installs = Object.values(plan.phases ?? {}).flatMap((p) => p.cmds ?? []);
    apps[name] = { language, start: plan.start?.cmd ?? null, packageManager: managerOf(installs) };
  }
  return { source: 'nixpacks', apps };
}

console.log(JSON.stringify(kind === 'railpack' ? railpack() : nixpacks(), null, 2));
