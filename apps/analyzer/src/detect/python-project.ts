import type { Evidence } from '#contracts';
import { isRange, pythonLine } from './runtime-lines.js';
import { lineOf, type SourceTree } from './source-tree.js';

/** The dependency manifests of a Python project, read once. */
export interface PythonManifests {
  /** file name -> text, only for files that exist */
  readonly texts: ReadonlyMap<string, string>;
}

const MANIFEST_FILES = ['requirements.txt', 'pyproject.toml', 'Pipfile', 'setup.py', 'setup.cfg', 'requirements/base.txt', 'requirements/prod.txt'];

/** Lockfile or manifest marker -> package manager, most specific first. */
const MANAGERS: [file: string, marker: RegExp | null, manager: string][] = [
  ['uv.lock', null, 'uv'],
  ['poetry.lock', null, 'poetry'],
  ['pdm.lock', null, 'pdm'],
  ['Pipfile.lock', null, 'pipenv'],
  ['Pipfile', null, 'pipenv'],
  ['pyproject.toml', /^\[tool\.poetry\]/m, 'poetry'],
  ['pyproject.toml', /^\[tool\.pdm\b/m, 'pdm'],
  ['pyproject.toml', /^\[tool\.uv\b/m, 'uv'],
  ['requirements.txt', null, 'pip'],
  ['pyproject.toml', null, 'pip'],
  ['setup.py', null, 'pip'],
];

export async function readPythonManifests(tree: SourceTree): Promise<PythonManifests> {
  const texts = new Map<string, string>();
  for (const file of MANIFEST_FILES) {
    const text = await tree.read(file);
    if (text !== null) texts.set(file, text);
  }
  return { texts };
}

/** Where a distribution is declared, if anywhere; names compare case- and dash/underscore-insensitively. */
export function findDependency(manifests: PythonManifests, name: string): { file: string; line: number | undefined } | null {
  const escaped = name.replace(/[-_.]/g, '[-_.]');
  // A requirement line, a quoted PEP 508 string or a TOML key: the name followed by an extra, a specifier or the end.
  const pattern = new RegExp(`(?:^|["'\\s])${escaped}(?:\\[[^\\]]*\\])?\\s*(?:[=<>!~;,"'@]|$)`, 'im');
  for (const [file, text] of manifests.texts) {
    const body = file === 'pyproject.toml' ? withoutBuildSystem(text) : text;
    const match = pattern.exec(body);
    if (match) return { file, line: lineOf(text, match[0].trim()) };
  }
  return null;
}

/** `[build-system] requires` names tools, not the app's own dependencies. */
function withoutBuildSystem(text: string): string {
  return text.replace(/^\[build-system\][\s\S]*?(?=^\[|(?![\s\S]))/m, '');
}

export async function pythonPackageManager(tree: SourceTree, manifests: PythonManifests, evidence: Evidence[]): Promise<{ name: string; lockfile: boolean }> {
  for (const [file, marker, manager] of MANAGERS) {
    const text = file === 'pyproject.toml' ? manifests.texts.get(file) : undefined;
    if (marker ? !(text && marker.test(text)) : !(await tree.exists(file))) continue;
    const line = marker && text ? lineOf(text, marker) : undefined;
    const reason = marker
      ? `pyproject.toml configures ${manager}`
      : file.endsWith('.lock')
        ? `${file} is ${manager}'s lockfile`
        : `${file} lists the dependencies`;
    evidence.push({ field: 'packageManager', file, line, reason });
    return { name: manager, lockfile: file.endsWith('.lock') };
  }
  evidence.push({ field: 'packageManager', file: '.', reason: 'no Python manifest; pip is the default' });
  return { name: 'pip', lockfile: false };
}

export function pythonInstallCommands(manager: string, lockfile: boolean, manifests: PythonManifests): string[] {
  switch (manager) {
    case 'uv':
      return [lockfile ? 'uv sync --locked --no-dev' : 'uv sync --no-dev'];
    case 'poetry':
      return ['poetry install --only main --no-root --no-interaction'];
    case 'pdm':
      return [lockfile ? 'pdm install --prod --frozen-lockfile' : 'pdm install --prod'];
    case 'pipenv':
      return [lockfile ? 'pipenv install --deploy --system' : 'pipenv install --skip-lock --system'];
    default:
      if (manifests.texts.has('requirements.txt')) return ['pip install -r requirements.txt'];
      if (manifests.texts.has('pyproject.toml') || manifests.texts.has('setup.py')) return ['pip install .'];
      return [];
  }
}

/** The Python version from .python-version, runtime.txt or the manifests, as "3.12" or "3.12.1". */
export async function pythonVersion(tree: SourceTree, manifests: PythonManifests, evidence: Evidence[]): Promise<string | null> {
  const pinned = (await tree.read('.python-version'))?.trim().split('\n')[0]?.trim();
  const fromPin = pinned ? /^(?:python-?)?(\d+\.\d+(?:\.\d+)?)/.exec(pinned)?.[1] : undefined;
  if (pinned && fromPin) {
    evidence.push({ field: 'runtime.version', file: '.python-version', line: 1, reason: `.python-version says ${pinned}` });
    return fromPin;
  }
  const runtime = (await tree.read('runtime.txt'))?.trim();
  const fromRuntime = runtime ? /^python-(\d+\.\d+(?:\.\d+)?)/.exec(runtime)?.[1] : undefined;
  if (runtime && fromRuntime) {
    evidence.push({ field: 'runtime.version', file: 'runtime.txt', line: 1, reason: `runtime.txt says ${runtime}` });
    return fromRuntime;
  }
  const declarations: [file: string, pattern: RegExp, what: string][] = [
    ['pyproject.toml', /^requires-python\s*=\s*["']([^"']+)["']/m, 'requires-python'],
    ['pyproject.toml', /^python\s*=\s*["']([^"']+)["']/m, 'the poetry python constraint'],
    ['Pipfile', /^python_(?:full_)?version\s*=\s*["']([^"']+)["']/m, 'python_version'],
  ];
  for (const [file, pattern, what] of declarations) {
    const text = manifests.texts.get(file);
    const match = text ? pattern.exec(text) : null;
    if (!text || !match) continue;
    const spec = match[1]!.trim();
    if (isRange(spec)) {
      // The newest supported line the range allows, not its floor (`>=3.8` is long out of support).
      const chosen = await pythonLine(spec);
      if (!chosen) continue;
      const newest = `Python ${chosen.line} is the newest ${chosen.supported ? 'supported ' : ''}line it allows`;
      evidence.push({ field: 'runtime.version', file, line: lineOf(text, match[0]), reason: `${what} is "${spec}": ${newest}` });
      return chosen.line;
    }
    const version = /(\d+\.\d+(?:\.\d+)?)/.exec(spec)?.[1];
    if (version) {
      evidence.push({ field: 'runtime.version', file, line: lineOf(text, match[0]), reason: `${what} is "${spec}"` });
      return version;
    }
  }
  return null;
}
