#!/usr/bin/env node
// Builds the expected.json that `npm run eval:corpus` scores against, from a peer's public
// corpus checked out outside this repository (never committed):
//   node scripts/corpus-expected.mjs railpack <railpack-checkout> > railpack.json
//   node scripts/corpus-expected.mjs nixpacks <nixpacks-checkout> > nixpacks.json
//   node scripts/corpus-expected.mjs buildpacks <GoogleCloudPlatform/buildpacks checkout> > buildpacks.json
//   node scripts/corpus-expected.mjs vercel <vercel/vercel checkout> > vercel.json
// railpack: start command from each example's plan snapshot, port from its test.json, language
// from the example's name. nixpacks: language from the provider its plan snapshot names.
// buildpacks: the test apps of Google's buildpacks (builders/testdata/<language>/<generic|appengine|flex>),
// each an app that must get a plan; language from its folder. vercel: the framework examples, the
// framework from the example's name (Vercel's slug, in our names).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [kind, root] = process.argv.slice(2);
if (!['railpack', 'nixpacks', 'buildpacks', 'vercel'].includes(kind) || !root) {
  console.error('usage: node scripts/corpus-expected.mjs <railpack|nixpacks|buildpacks|vercel> <checkout>');
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

const BUILDPACK_LANGUAGES = {
  nodejs: 'node',
  python: 'python',
  ruby: 'ruby',
  php: 'php',
  go: 'go',
  java: 'java',
  dotnet: 'dotnet',
  dart: 'dart',
  static: 'static',
};

function buildpacks() {
  const apps = {};
  const testdata = join(root, 'builders/testdata');
  for (const [folder, language] of Object.entries(BUILDPACK_LANGUAGES)) {
    for (const flavour of ['generic', 'appengine', 'flex']) {
      const dir = join(testdata, folder, flavour);
      if (!existsSync(dir)) continue;
      // fail_* apps are meant to fail the build; flutter is a front-end, not a server.
      for (const app of readdirSync(dir).filter((a) => !a.startsWith('fail_') && a !== 'BUILD.bazel' && a !== 'flutter')) {
        apps[`${folder}/${flavour}/${app}`] = { language, needsStart: true };
      }
    }
  }
  return { source: 'buildpacks', apps };
}

/**
 * Vercel's slugs where ours differ, and the language of the examples that are not Node.js. The
 * `svelte` example is a Vite app, which Vercel's own detectors call `vite` too.
 */
const VERCEL_SLUGS = {
  svelte: 'vite',
  nuxtjs: 'nuxt',
  'sveltekit-1': 'sveltekit',
  'solidstart-1': 'solidstart',
  'hydrogen-2': 'hydrogen',
  'vite-react': 'vite',
  node: null,
  python: null,
};
const VERCEL_LANGUAGES = {
  django: 'python',
  fastapi: 'python',
  fasthtml: 'python',
  flask: 'python',
  starlette: 'python',
  sinatra: 'ruby',
  'actix-web': 'rust',
  axum: 'rust',
  gin: 'go',
  hugo: 'static',
  jekyll: 'static',
  middleman: 'static',
  zola: 'static',
};

function vercel() {
  const apps = {};
  for (const name of readdirSync(join(root, 'examples'))) {
    if (!existsSync(join(root, 'examples', name, 'package.json')) && !VERCEL_LANGUAGES[name]) continue;
    const framework = name in VERCEL_SLUGS ? VERCEL_SLUGS[name] : name;
    apps[name] = { language: VERCEL_LANGUAGES[name] ?? 'node', ...(framework ? { framework } : {}), needsStart: true };
  }
  return { source: 'vercel', apps };
}

const make = { railpack, nixpacks, buildpacks, vercel }[kind];
console.log(JSON.stringify(make(), null, 2));
