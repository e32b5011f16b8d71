import type { Evidence } from '#contracts';
import { outputFromScript, TABLE_FRAMEWORKS, type TableFramework } from './node-framework-table.js';
import { lineOf, type SourceTree } from './source-tree.js';

export interface PackageJson {
  name?: string;
  main?: string;
  module?: string;
  packageManager?: string;
  workspaces?: string[] | { packages?: string[] };
  engines?: { node?: string; bun?: string; pnpm?: string; yarn?: string };
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** What a framework means for how the app runs in production. */
export interface FrameworkPlan {
  slug: string;
  dependency: string;
  /** The production port when the app does not say otherwise. */
  port: number | null;
  /** A production start command that replaces the package's start script, if the framework has one. */
  start?: string;
  /** Served as static files from this folder after the build: no server process of its own. */
  staticDir?: string;
  /** The build when package.json has no build script. */
  build?: string[];
  /** The framework's own server listens on $PORT when it is set (`next start` does), whatever the app's code says. */
  readsPort?: boolean;
  evidence: Evidence[];
}

type Rule = (ctx: RuleContext) => Promise<FrameworkPlan | null>;

interface RuleContext {
  tree: SourceTree;
  deps: Record<string, string>;
  scripts: Record<string, string>;
  pkgText: string;
}

const CONFIG_EXTENSIONS = ['ts', 'mjs', 'js', 'cjs', 'mts'];

async function readConfig(tree: SourceTree, base: string): Promise<{ file: string; text: string } | null> {
  for (const ext of CONFIG_EXTENSIONS) {
    const text = await tree.read(`${base}.${ext}`);
    if (text !== null) return { file: `${base}.${ext}`, text };
  }
  return null;
}

function depEvidence(ctx: RuleContext, dependency: string): Evidence {
  return { field: 'framework', file: 'package.json', line: lineOf(ctx.pkgText, `"${dependency}"`), reason: `depends on ${dependency}` };
}

const next: Rule = async (ctx) => {
  if (!('next' in ctx.deps)) return null;
  const config = await readConfig(ctx.tree, 'next.config');
  const evidence = [depEvidence(ctx, 'next')];
  const output = config ? /output\s*:\s*['"](standalone|export)['"]/.exec(config.text)?.[1] : undefined;
  if (config && output) {
    evidence.push({ field: 'commands.start', file: config.file, line: lineOf(config.text, /output\s*:/), reason: `next.config sets output: '${output}'` });
  }
  if (!output && /\bnext export\b/.test(ctx.scripts.build ?? '')) {
    evidence.push({ field: 'staticDir', file: 'package.json', line: lineOf(ctx.pkgText, '"build"'), reason: 'the build runs next export' });
    return { slug: 'nextjs', dependency: 'next', port: 8080, staticDir: 'out', evidence };
  }
  if (output === 'export') return { slug: 'nextjs', dependency: 'next', port: 8080, staticDir: 'out', evidence };
  // `next start` and the standalone server.js listen on $PORT, unless the start script passes a port of its own.
  const fixed = /\bnext\s+start\b.*?(?:-p|--port)[=\s]+(\d{2,5})\b/.exec(ctx.scripts.start ?? '')?.[1];
  const port = fixed ? Number(fixed) : 3000;
  const reads = { readsPort: !fixed };
  evidence.push(
    fixed
      ? { field: 'port', file: 'package.json', line: lineOf(ctx.pkgText, '"start"'), reason: `the start script runs next start on port ${fixed}` }
      : { field: 'portFromEnv', file: 'package.json', reason: 'the Next.js server listens on PORT when it is set' },
  );
  if (output === 'standalone') return { slug: 'nextjs', dependency: 'next', port, start: 'node .next/standalone/server.js', ...reads, evidence };
  return { slug: 'nextjs', dependency: 'next', port, ...reads, evidence };
};

const nuxt: Rule = async (ctx) => {
  if (!('nuxt' in ctx.deps) && !('nuxt3' in ctx.deps) && !('nuxt-edge' in ctx.deps)) return null;
  const dependency = ['nuxt', 'nuxt3', 'nuxt-edge'].find((d) => d in ctx.deps)!;
  const evidence = [depEvidence(ctx, dependency)];
  // Nuxt 2 writes dist/ and serves with `nuxt start`; Nuxt 3 (Nitro) writes .output/.
  const two = dependency === 'nuxt-edge' || /^[\^~]?2\./.test(ctx.deps[dependency] ?? '');
  if (/nuxi? generate/.test(ctx.scripts.build ?? '')) return { slug: 'nuxt', dependency, port: 8080, staticDir: two ? 'dist' : '.output/public', evidence };
  return { slug: 'nuxt', dependency, port: 3000, start: two ? 'npx nuxt start' : 'node .output/server/index.mjs', evidence };
};

const sveltekit: Rule = async (ctx) => {
  if (!('@sveltejs/kit' in ctx.deps)) return null;
  const evidence = [depEvidence(ctx, '@sveltejs/kit')];
  if ('@sveltejs/adapter-static' in ctx.deps) return { slug: 'sveltekit', dependency: '@sveltejs/kit', port: 8080, staticDir: 'build', evidence };
  return { slug: 'sveltekit', dependency: '@sveltejs/kit', port: 3000, start: 'node build', evidence };
};

const astro: Rule = async (ctx) => {
  if (!('astro' in ctx.deps)) return null;
  const config = await readConfig(ctx.tree, 'astro.config');
  const evidence = [depEvidence(ctx, 'astro')];
  const server = '@astrojs/node' in ctx.deps || (config !== null && /output\s*:\s*['"](server|hybrid)['"]/.test(config.text));
  if (!server) return { slug: 'astro', dependency: 'astro', port: 8080, staticDir: 'dist', evidence };
  return { slug: 'astro', dependency: 'astro', port: 4321, start: ctx.scripts.start ? undefined : 'node ./dist/server/entry.mjs', evidence };
};

const reactRouter: Rule = async (ctx) => {
  if (!('@react-router/dev' in ctx.deps)) return null;
  const config = await readConfig(ctx.tree, 'react-router.config');
  const evidence = [depEvidence(ctx, '@react-router/dev')];
  if (config && /ssr\s*:\s*false/.test(config.text)) {
    return { slug: 'react-router', dependency: '@react-router/dev', port: 8080, staticDir: 'build/client', evidence };
  }
  return { slug: 'react-router', dependency: '@react-router/dev', port: 3000, evidence };
};

const angular: Rule = async (ctx) => {
  if (!('@angular/core' in ctx.deps)) return null;
  const evidence = [depEvidence(ctx, '@angular/core')];
  if ('@angular/ssr' in ctx.deps) return { slug: 'angular', dependency: '@angular/core', port: 4000, evidence };
  const slug = '@ionic/angular' in ctx.deps ? 'ionic-angular' : 'angular';
  const workspace = await ctx.tree.readJson<{
    projects?: Record<string, { architect?: { build?: { builder?: string; options?: { outputPath?: string | { base?: string } } } } }>;
  }>('angular.json');
  const project = Object.entries(workspace?.projects ?? {})[0];
  const outputPath = project?.[1].architect?.build?.options?.outputPath;
  const base = typeof outputPath === 'string' ? outputPath : (outputPath?.base ?? `dist/${project?.[0] ?? 'app'}`);
  // Angular 17+ (the application builder) writes the browser bundle one level down; the older
  // browser builder writes it to outputPath itself.
  const builder = project?.[1].architect?.build?.builder;
  const application = builder ? /:application$/.test(builder) : '@angular/build' in ctx.deps || '@angular-devkit/build-angular' in ctx.deps;
  const staticDir = application ? `${base}/browser` : base;
  return { slug, dependency: '@angular/core', port: 8080, staticDir, evidence };
};

/** A start script that runs a server of the app's own, not a framework's dev server. */
const SERVER_START = /\b(?:node|ts-node|tsx|nodemon|pm2|pm2-runtime|forever|bun)\s/;

function tableRule(framework: TableFramework): Rule {
  return async (ctx) => {
    const dependency = framework.packages.find((p) => p in ctx.deps);
    if (!dependency) return null;
    const evidence = [depEvidence(ctx, dependency)];
    // One command per step: the builder runs install and build commands without a shell.
    const build = ctx.scripts.build ? undefined : framework.build.split(' && ').map((step) => `npx ${step}`);
    const exported = framework.staticWhen?.test(ctx.scripts.build ?? '') ?? false;
    if (exported || (framework.staticDir && !framework.start)) {
      if (ctx.scripts.start && SERVER_START.test(ctx.scripts.start)) return null;
      const staticDir = outputFromScript(framework.slug, ctx.scripts.build, framework.staticDir!);
      // Sanity Studio before v3 is configured by sanity.json.
      const slug = framework.slug === 'sanity' && (await ctx.tree.exists('sanity.json')) ? 'sanity-v2' : framework.slug;
      return { slug, dependency, port: 8080, staticDir, build, evidence };
    }
    return { slug: framework.slug, dependency, port: framework.port ?? 3000, start: ctx.scripts.start ? undefined : framework.start, build, evidence };
  };
}

const remix: Rule = async (ctx) => {
  const dependency = ['@remix-run/node', '@remix-run/serve', '@remix-run/dev'].find((d) => d in ctx.deps);
  if (!dependency) return null;
  // Remix on Vite builds build/server/index.js; the classic compiler build/index.js.
  const vite = await readConfig(ctx.tree, 'vite.config');
  const server = vite && /@remix-run\/dev/.test(vite.text) ? 'build/server/index.js' : 'build/index.js';
  const start = ctx.scripts.start ? undefined : `npx remix-serve ${server}`;
  return { slug: 'remix', dependency, port: 3000, start, evidence: [depEvidence(ctx, dependency)] };
};

const tanstackStart: Rule = async (ctx) => {
  const dependency = ['@tanstack/react-start', '@tanstack/solid-start', '@tanstack/start'].find((d) => d in ctx.deps);
  if (!dependency) return null;
  const evidence = [depEvidence(ctx, dependency)];
  if (ctx.scripts.start) return { slug: 'tanstack-start', dependency, port: 3000, evidence };
  // Before 1.121 TanStack Start built with vinxi into Nitro's .output; since then Vite writes
  // dist/server/server.js, a fetch handler that srvx serves with the client files beside it.
  const vite = await readConfig(ctx.tree, 'vite.config');
  const nitro = 'vinxi' in ctx.deps || (vite !== null && /\bnitro\b/.test(vite.text));
  const start = nitro ? 'node .output/server/index.mjs' : 'npx srvx --prod -s ../client dist/server/server.js';
  return { slug: 'tanstack-start', dependency, port: 3000, start, evidence };
};

function simple(dependency: string, slug: string, port: number | null): Rule {
  return async (ctx) => (dependency in ctx.deps ? { slug, dependency, port, evidence: [depEvidence(ctx, dependency)] } : null);
}

/** A Vite, Create React App or Expo web app with no server of its own is a static site. */
const spa: Rule = async (ctx) => {
  const serverStart = ctx.scripts.start && !/\b(vite|react-scripts|expo)\b/.test(ctx.scripts.start);
  if (serverStart) return null;
  if ('react-scripts' in ctx.deps)
    return { slug: 'create-react-app', dependency: 'react-scripts', port: 8080, staticDir: 'build', evidence: [depEvidence(ctx, 'react-scripts')] };
  if ('expo' in ctx.deps && /expo export/.test(ctx.scripts.build ?? '')) {
    return { slug: 'expo', dependency: 'expo', port: 8080, staticDir: 'dist', evidence: [depEvidence(ctx, 'expo')] };
  }
  if ('vite' in ctx.deps && /\bvite build\b/.test(ctx.scripts.build ?? '')) {
    return { slug: 'vite', dependency: 'vite', port: 8080, staticDir: 'dist', evidence: [depEvidence(ctx, 'vite')] };
  }
  return null;
};

/** Most specific first: a Next.js app also depends on react, a NestJS app on express. */
const RULES: Rule[] = [
  // Blitz is built on Next.js, so it is asked first.
  tableRule(TABLE_FRAMEWORKS.find((f) => f.slug === 'blitzjs')!),
  next,
  nuxt,
  // Hydrogen is built on Remix: the table's entry comes first.
  tableRule(TABLE_FRAMEWORKS.find((f) => f.slug === 'hydrogen')!),
  remix,
  reactRouter,
  sveltekit,
  astro,
  tanstackStart,
  ...TABLE_FRAMEWORKS.filter((f) => f.start && f.slug !== 'hydrogen' && f.slug !== 'blitzjs').map(tableRule),
  simple('@nestjs/core', 'nestjs', 3000),
  angular,
  simple('fastify', 'fastify', 3000),
  simple('hono', 'hono', 3000),
  simple('elysia', 'elysia', 3000),
  simple('koa', 'koa', 3000),
  simple('h3', 'h3', 3000),
  simple('express', 'express', 3000),
  simple('@hapi/hapi', 'hapi', 3000),
  simple('polka', 'polka', null),
  simple('restify', 'restify', 8080),
  simple('@feathersjs/feathers', 'feathers', 3030),
  simple('sails', 'sails', 1337),
  ...TABLE_FRAMEWORKS.filter((f) => !f.start).map(tableRule),
  spa,
];

export async function detectFramework(tree: SourceTree, pkg: PackageJson, pkgText: string): Promise<FrameworkPlan | null> {
  const ctx: RuleContext = { tree, deps: { ...pkg.devDependencies, ...pkg.dependencies }, scripts: pkg.scripts ?? {}, pkgText };
  for (const rule of RULES) {
    const plan = await rule(ctx);
    if (plan) return plan;
  }
  return null;
}
