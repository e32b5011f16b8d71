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
      patterns = [...pnpm.matchAll(/^\s*-\s*['"]?([^'"\n#]+?)['"]?\s*$/gm)].map((m) => m[1]!);
      source = 'pnpm-workspace.yaml';
    } else if ((await tree.exists('turbo.json')) || (await tree.exists('nx.json')) || (await tree.exists('apps'))) {
      patterns = CONVENTIONAL;
      source = (await tree.exists('turbo.json')) ? 'turbo.json' : (await tree.exists('nx.json')) ? 'nx.json' : 'the apps/ folder';
    }
  }
  if (!patterns) return null;
  const files = await tree.files();
  const folders = new Set<string>();
  for (const pattern of patterns.filter((p) => !p.startsWith('!'))) {
    const clean = pattern.replace(/\/+$/, '').replace(/^\.\//, '');
    const prefix = clean.endsWith('/*') || clean.endsWith('/**') ? clean.replace(/\/\*+$/, '/') : null;
    for (const file of files) {
      const parts = file.split('/');
      const name = parts.at(-1)!;
      if (!MANIFESTS.includes(name)) continue;
      const folder = parts.slice(0, -1).join('/');
      if (prefix ? folder.startsWith(prefix) && folder.split('/').length === prefix.split('/').length : folder === clean) folders.add(folder);
    }
  }
  return folders.size ? { folders: [...folders].sort(), source } : null;
}
