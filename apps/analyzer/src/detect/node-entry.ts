import type { Evidence } from '#contracts';
import { parseJsonc } from './jsonc.js';
import { acceptValue } from './manifest-values.js';
import type { PackageJson } from './node-frameworks.js';
import { lineOf, type SourceTree } from './source-tree.js';

const NAMES = ['server', 'index', 'app', 'main'];
const EXTENSIONS = ['js', 'mjs', 'cjs', 'ts', 'mts', 'cts'];
/** Where servers conventionally live when package.json names no start script (the platforms' own lists). */
export const ENTRY_CANDIDATES = ['', 'src/'].flatMap((dir) => NAMES.flatMap((name) => EXTENSIONS.map((ext) => `${dir}${name}.${ext}`)));
/** Code that starts a server or hands one to a runtime: `.listen(`, `serve(`, `export default app`. */
const SERVES =
  /\.listen\s*\(|\b(?:Bun|Deno)\.serve\s*\(|\bserve\s*\(\s*\{|\bcreateServer\s*\(|\bexport\s+default\s+(?:app|server|\{\s*fetch\b|new\s+(?:Hono|Elysia)\b)|\bmodule\.exports\s*=\s*app\b|\.start\s*\(\s*\{?\s*port/;
const TS = /\.[mc]?ts$/;

export interface NodeEntry {
  file: string;
  evidence: Evidence;
}

/** The file a Node app with no start script runs: `main`, a conventional server file, or the one root file that serves. */
export async function findEntry(tree: SourceTree, pkg: PackageJson, warnings: string[]): Promise<NodeEntry | null> {
  for (const field of ['main', 'module'] as const) {
    const file = typeof pkg[field] === 'string' ? pkg[field].replace(/^\.\//, '') : undefined;
    // The entry file becomes an argument of `node`: a plain relative path, or it is refused.
    if (file && (await tree.exists(file)) && acceptValue('repo-path', file, 'package.json', warnings)) {
      return { file, evidence: { field: 'commands.start', file, reason: `"${field}" is ${file}` } };
    }
  }
  const present: string[] = [];
  for (const file of ENTRY_CANDIDATES) if (await tree.exists(file)) present.push(file);
  for (const file of present) {
    const text = await tree.read(file);
    if (text && SERVES.test(text)) {
      return {
        file,
        evidence: { field: 'commands.start', file, line: lineOf(text, SERVES), reason: `${file} starts the server and package.json names no start script` },
      };
    }
  }
  const first = present.find((f) => !TS.test(f)) ?? present[0];
  if (first) return { file: first, evidence: { field: 'commands.start', file: first, reason: `${first} exists and package.json names no start script` } };
  // No conventional name: the one source file at the root that starts a server.
  const roots = (await tree.files(400)).filter(
    (f) => !f.includes('/') && /\.[mc]?[jt]s$/.test(f) && !/\.(?:config|test|spec)\./.test(f) && acceptValue('repo-path', f, f, warnings),
  );
  const serving: NodeEntry[] = [];
  for (const file of roots.slice(0, 20)) {
    const text = await tree.read(file);
    if (text && SERVES.test(text)) {
      serving.push({
        file,
        evidence: { field: 'commands.start', file, line: lineOf(text, SERVES), reason: `${file} is the one file at the root that starts a server` },
      });
    }
  }
  return serving.length === 1 ? serving[0]! : null;
}

interface TsConfig {
  compilerOptions?: { outDir?: string; rootDir?: string };
  include?: string[];
}

/**
 * How to run an entry file. JavaScript runs with node (or bun). TypeScript that the build compiles
 * with tsc runs from tsc's output folder; otherwise through tsx or ts-node when the app has them,
 * and else with node itself, which strips types since Node 22.18 (the default image's line).
 */
export async function entryCommand(
  tree: SourceTree,
  pkg: PackageJson,
  entry: string,
  bun: boolean,
  warnings: string[],
): Promise<{ command: string; evidence: Evidence | null }> {
  if (bun) return { command: `bun ${entry}`, evidence: null };
  if (!TS.test(entry)) return { command: `node ${entry}`, evidence: null };
  const scripts = pkg.scripts ?? {};
  const deps = { ...pkg.devDependencies, ...pkg.dependencies };
  const build = scripts.build ?? scripts['gcp-build'];
  const tsconfigText = await tree.read('tsconfig.json');
  if (build && /\btsc\b/.test(build) && tsconfigText) {
    const tsconfig = await parseJsonc<TsConfig>(tsconfigText);
    // With no outDir tsc writes each .js beside its .ts.
    const outDir = tsconfig.compilerOptions?.outDir?.replace(/^\.\//, '').replace(/\/$/, '') || '.';
    if (!/"noEmit"\s*:\s*true/.test(tsconfigText)) {
      const rootDir = tsconfig.compilerOptions?.rootDir?.replace(/^\.\//, '').replace(/\/$/, '') ?? inferredRoot(tsconfig, entry);
      const inside = rootDir && rootDir !== '.' && entry.startsWith(`${rootDir}/`) ? entry.slice(rootDir.length + 1) : entry;
      const compiled = `${outDir === '.' ? '' : `${outDir}/`}${(outDir === '.' ? entry : inside)
        .replace(/\.ts$/, '.js')
        .replace(/\.mts$/, '.mjs')
        .replace(/\.cts$/, '.cjs')}`;
      // outDir comes from tsconfig.json and becomes an argument of `node`: a plain relative path, or it is refused.
      if (!acceptValue('repo-path', compiled, 'tsconfig.json', warnings)) return { command: `node ${entry}`, evidence: null };
      return {
        command: `node ${compiled}`,
        evidence: {
          field: 'commands.start',
          file: 'tsconfig.json',
          line: lineOf(tsconfigText, '"outDir"') ?? 1,
          reason: `tsc compiles ${entry} into ${compiled}`,
        },
      };
    }
  }
  if ('tsx' in deps) return { command: `npx tsx ${entry}`, evidence: { field: 'commands.start', file: 'package.json', reason: 'TypeScript runs through tsx' } };
  if ('ts-node' in deps) {
    return { command: `npx ts-node ${entry}`, evidence: { field: 'commands.start', file: 'package.json', reason: 'TypeScript runs through ts-node' } };
  }
  return {
    command: `node ${entry}`,
    evidence: { field: 'commands.start', file: entry, reason: 'Node.js 22.18 and later run TypeScript by stripping its types' },
  };
}

/** The folder tsc treats as the root when tsconfig sets none: `src` when everything it includes is there. */
function inferredRoot(tsconfig: TsConfig, entry: string): string {
  const include = tsconfig.include ?? [];
  return include.length > 0 && include.every((p) => /^(?:\.\/)?src(?:\/|$)/.test(p)) && entry.startsWith('src/') ? 'src' : '.';
}
