import type { SourceTree } from './source-tree.js';

interface RootPackage {
  workspaces?: string[] | { packages?: string[] };
}

const CONVENTIONAL = ['apps/*', 'services/*', 'packages/*'];
const MANIFESTS = [
  'package.json',
  'requirements.txt',
  'pyproject.toml',
  'go.mod',
  'Cargo.toml',
  'pom.xml',
  'build.gradle',
  'build.gradle.kts',
  'Gemfile',
  'composer.json',
  'mix.exs',
  'deno.json',
  'Dockerfile',
];

/**
 * The folders of a monorepo that may hold an app: npm/yarn/bun workspaces, pnpm workspaces, or
 * the conventional apps/ services/ packages/ folders (Turborepo, Nx). Patterns of the form `dir/*`
 * and plain folders are expanded; the result holds only folders with a manifest.
 */
export async function workspaceFolders(tree: SourceTree): Promise<{ folders: string[]; source: string } | null> {
  const pkg = await tree.readJson<RootPackage>('package.json');
  const declared = Array.isArray(pkg?.workspaces) ? pkg.workspaces : pkg?.workspaces?.packages;
  let patterns: string[] | undefined;
  let source = '';
  if (declared?.length) {
    patterns = declared;
    source = 'package.json workspaces';
  } else {
    const pnpm = await tree.read('pnpm-workspace.yaml');
    if (pnpm) {
      const { parse } = await import('yaml');
      let doc: { packages?: unknown } | null;
      try {
        doc = parse(pnpm) as { packages?: unknown } | null;
      } catch {
        doc = null;
      }
      patterns = Array.isArray(doc?.packages) ? doc.packages.filter((p): p is string => typeof p === 'string') : [];
      source = 'pnpm-workspace.yaml';
    } else if ((await tree.exists('turbo.json')) || (await tree.exists('nx.json')) || (await tree.exists('apps'))) {
      patterns = CONVENTIONAL;
      source = (await tree.exists('turbo.json')) ? 'turbo.json' : (await tree.exists('nx.json')) ? 'nx.json' : 'the apps/ folder';
    }
  }
  if (!patterns) {
    // No manifest at the root at all: each top-level folder with one may be an app (backend/, api/).
    const root = await Promise.all(MANIFESTS.map((m) => tree.exists(m)));
    if (root.some(Boolean)) return null;
    patterns = ['*'];
    source = 'the folders at the root';
  }
  // Workspace patterns are globs over folders (`apps/*`, `packages/**`, `!packages/legacy`), as
  // npm, pnpm and yarn match them.
  const { default: picomatch } = await import('picomatch');
  const clean = (p: string) => p.replace(/^!/, '').replace(/\/+$/, '').replace(/^\.\//, '');
  const include = picomatch(patterns.filter((p) => !p.startsWith('!')).map(clean));
  const excluded = patterns.filter((p) => p.startsWith('!')).map(clean);
  const exclude = excluded.length > 0 ? picomatch(excluded) : () => false;
  const folders = new Set<string>();
  for (const file of await tree.files()) {
    const parts = file.split('/');
    if (parts.length < 2 || !MANIFESTS.includes(parts.at(-1)!)) continue;
    const folder = parts.slice(0, -1).join('/');
    if (include(folder) && !exclude(folder)) folders.add(folder);
  }
  return folders.size ? { folders: [...folders].sort(), source } : null;
}
