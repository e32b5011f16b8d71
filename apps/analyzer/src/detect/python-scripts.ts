import type { Evidence } from '#contracts';
import type { PythonManifests } from './python-project.js';
import { lineOf, type SourceTree } from './source-tree.js';
import { parseToml, tableAt } from './toml.js';

/** Names a project gives the script that serves it, most telling first. */
const SERVE_NAMES = ['start', 'serve', 'server', 'web', 'app', 'run', 'main', 'api'];

export interface ProjectScript {
  command: string;
  /** The script's name and the `module:function` it calls, as pyproject.toml gives them. */
  name: string;
  target: string;
  /** The module file the script calls, to read its port. */
  file: string | null;
  evidence: Evidence;
}

/**
 * A console script from `[project.scripts]` or `[tool.poetry.scripts]` (`start = "pkg.server:app"`).
 * pip and uv install the project, so the script is on PATH by name; Poetry here installs only the
 * dependencies (`--no-root`), so the entry point is called through python.
 */
export async function projectScript(tree: SourceTree, manifests: PythonManifests): Promise<ProjectScript | null> {
  const text = manifests.texts.get('pyproject.toml');
  if (!text) return null;
  const doc = await parseToml(text);
  for (const [table, poetry] of [
    ['project.scripts', false],
    ['tool.poetry.scripts', true],
  ] as const) {
    const scripts = tableAt(doc, table);
    const entries = Object.entries(scripts ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string' && /^[\w.]+:[\w.]+$/.test(e[1]));
    if (entries.length === 0) continue;
    const project = tableAt(doc, 'project')?.name ?? tableAt(doc, 'tool.poetry')?.name;
    const chosen = SERVE_NAMES.map((n) => entries.find(([name]) => name === n)).find(Boolean) ?? entries.find(([name]) => name === project) ?? entries[0]!;
    const [name, target] = chosen;
    const [module, func] = target.split(':') as [string, string];
    const file = await moduleFile(tree, module);
    const command = poetry ? `python -c "import sys; from ${module} import ${func.split('.')[0]}; sys.exit(${func}())"` : name;
    return {
      command,
      name,
      target,
      file,
      evidence: {
        field: 'commands.start',
        file: 'pyproject.toml',
        line: lineOf(text, new RegExp(`^\\s*"?${name.replace(/[.-]/g, '\\$&')}"?\\s*=`, 'm')),
        reason: `[${table}] declares ${name} = "${target}"`,
      },
    };
  }
  return null;
}

async function moduleFile(tree: SourceTree, module: string): Promise<string | null> {
  const path = module.split('.').join('/');
  for (const file of [`${path}.py`, `${path}/__init__.py`, `src/${path}.py`, `src/${path}/__init__.py`]) if (await tree.exists(file)) return file;
  return null;
}
