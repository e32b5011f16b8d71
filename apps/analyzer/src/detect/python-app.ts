import type { Evidence } from '#contracts';
import { findDependency, type PythonManifests } from './python-project.js';
import { lineOf, type SourceTree } from './source-tree.js';

export interface PythonFramework {
  readonly slug: string;
  /** The distribution that names it in a manifest, and the import that names it in code. */
  readonly dependency: string;
  readonly importName: string;
}

/** Most specific first: a Gradio or FastHTML app is also a Starlette app underneath. */
export const PYTHON_FRAMEWORKS: readonly PythonFramework[] = [
  { slug: 'django', dependency: 'django', importName: 'django' },
  { slug: 'streamlit', dependency: 'streamlit', importName: 'streamlit' },
  { slug: 'gradio', dependency: 'gradio', importName: 'gradio' },
  // UI frameworks built on FastAPI, Flask or Tornado: they come before what they are built on.
  { slug: 'chainlit', dependency: 'chainlit', importName: 'chainlit' },
  { slug: 'nicegui', dependency: 'nicegui', importName: 'nicegui' },
  { slug: 'dash', dependency: 'dash', importName: 'dash' },
  { slug: 'panel', dependency: 'panel', importName: 'panel' },
  { slug: 'fasthtml', dependency: 'python-fasthtml', importName: 'fasthtml' },
  { slug: 'fastapi', dependency: 'fastapi', importName: 'fastapi' },
  { slug: 'litestar', dependency: 'litestar', importName: 'litestar' },
  { slug: 'starlette', dependency: 'starlette', importName: 'starlette' },
  { slug: 'quart', dependency: 'quart', importName: 'quart' },
  { slug: 'falcon', dependency: 'falcon', importName: 'falcon' },
  { slug: 'sanic', dependency: 'sanic', importName: 'sanic' },
  { slug: 'aiohttp', dependency: 'aiohttp', importName: 'aiohttp' },
  { slug: 'tornado', dependency: 'tornado', importName: 'tornado' },
  { slug: 'pyramid', dependency: 'pyramid', importName: 'pyramid' },
  { slug: 'bottle', dependency: 'bottle', importName: 'bottle' },
  { slug: 'flask', dependency: 'flask', importName: 'flask' },
  // Last: an app that also declares a web framework of its own is served by that framework.
  { slug: 'google-adk', dependency: 'google-adk', importName: 'google.adk' },
];

/** The conventional entry files, in the order railpack and most hosts try them. */
export const PYTHON_ENTRY_FILES = ['main.py', 'app.py', 'start.py', 'bot.py', 'hello.py', 'server.py', 'run.py', 'wsgi.py', 'asgi.py', 'application.py'];

export function importPattern(importName: string): RegExp {
  const name = importName.replace(/\./g, '\\.');
  return new RegExp(`^\\s*(?:from\\s+${name}(?:\\.[\\w.]+)?\\s+import|import\\s+${name}\\b)`, 'm');
}

/** The framework from the manifests, or failing that from an import in the code. */
export async function detectPythonFramework(
  tree: SourceTree,
  manifests: PythonManifests,
  sources: readonly string[],
  evidence: Evidence[],
): Promise<PythonFramework | null> {
  for (const framework of PYTHON_FRAMEWORKS) {
    const found = findDependency(manifests, framework.dependency);
    if (found) {
      evidence.push({ field: 'framework', file: found.file, line: found.line, reason: `depends on ${framework.dependency}` });
      return framework;
    }
  }
  for (const framework of PYTHON_FRAMEWORKS) {
    const pattern = importPattern(framework.importName);
    for (const file of sources.slice(0, 100)) {
      const text = await tree.read(file);
      if (text && pattern.test(text)) {
        evidence.push({ field: 'framework', file, line: lineOf(text, pattern), reason: `imports ${framework.importName}` });
        return framework;
      }
    }
  }
  return null;
}

export interface AppObject {
  /** `module:attribute`, as gunicorn and uvicorn take it */
  readonly target: string;
  readonly file: string;
  readonly line: number | undefined;
}

const APP_CONSTRUCTORS: Record<string, RegExp> = {
  flask: /^(\w+)\s*(?::\s*\w+\s*)?=\s*Flask\(/m,
  fastapi: /^(\w+)\s*(?::\s*\w+\s*)?=\s*FastAPI\(/m,
  starlette: /^(\w+)\s*(?::\s*\w+\s*)?=\s*Starlette\(/m,
  fasthtml: /^(\w+)\s*(?:,\s*\w+\s*)?=\s*(?:fast_app|FastHTML)\(/m,
  litestar: /^(\w+)\s*(?::\s*\w+\s*)?=\s*Litestar\(/m,
  quart: /^(\w+)\s*(?::\s*\w+\s*)?=\s*Quart\(/m,
  falcon: /^(\w+)\s*(?::\s*[\w.]+\s*)?=\s*falcon\.App\(/m,
};

/** ASGI frameworks (served by uvicorn) and WSGI ones (served by gunicorn), for those with an app object. */
export const ASGI_APPS = new Set(['fastapi', 'starlette', 'fasthtml', 'litestar', 'quart']);
export const WSGI_APPS = new Set(['flask', 'falcon']);

/**
 * Frameworks whose app starts its own server (`python app.py`) or runs under the framework's CLI,
 * with the port each listens on unless told otherwise (their documented defaults).
 */
export const SELF_SERVING: Record<string, { port: number | null; cli?: (file: string) => string }> = {
  chainlit: { port: 8000, cli: (file) => `chainlit run ${file} --headless --host 0.0.0.0 --port \${PORT:-8000}` },
  panel: { port: 5006, cli: (file) => `panel serve ${file} --address 0.0.0.0 --port \${PORT:-5006} --allow-websocket-origin '*'` },
  nicegui: { port: 8080 },
  dash: { port: 8050 },
  sanic: { port: 8000 },
  aiohttp: { port: 8080 },
  tornado: { port: null },
  pyramid: { port: null },
  bottle: { port: 8080 },
};

/** Finds the module-level application object (or a Flask app factory) a WSGI/ASGI server should load. */
export async function findAppObject(tree: SourceTree, slug: string, sources: readonly string[]): Promise<AppObject | null> {
  const constructor = APP_CONSTRUCTORS[slug];
  if (!constructor) return null;
  const preferred = PYTHON_ENTRY_FILES.filter((f) => sources.includes(f));
  const nested = sources.filter((f) => !preferred.includes(f) && f.split('/').length <= 3);
  for (const file of [...preferred, ...nested]) {
    const text = await tree.read(file);
    if (!text) continue;
    const module = file
      .replace(/\.py$/, '')
      .replace(/\/__init__$/, '')
      .split('/')
      .join('.');
    const match = constructor.exec(text);
    if (match) return { target: `${module}:${match[1]}`, file, line: lineOf(text, match[0]) };
    const factory = slug === 'flask' ? /^def (create_app|make_app)\(\s*\)/m.exec(text) : null;
    if (factory) return { target: `${module}:${factory[1]}()`, file, line: lineOf(text, factory[0]) };
  }
  return null;
}

/** The Django project module holding wsgi.py/asgi.py, e.g. "mysite". */
export async function findDjangoProject(
  tree: SourceTree,
  sources: readonly string[],
): Promise<{ module: string; file: string; line: number | undefined; reason: string } | null> {
  for (const file of sources) {
    const text = await tree.read(file);
    const match = text ? /^WSGI_APPLICATION\s*=\s*["']([\w.]+)\.wsgi\.application["']/m.exec(text) : null;
    if (text && match) return { module: match[1]!, file, line: lineOf(text, match[0]), reason: `WSGI_APPLICATION is "${match[1]}.wsgi.application"` };
  }
  const manage = await tree.read('manage.py');
  const settings = manage ? /DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+?)\.settings(?:\.\w+)?["']/.exec(manage) : null;
  if (manage && settings) {
    return { module: settings[1]!, file: 'manage.py', line: lineOf(manage, settings[0]), reason: `DJANGO_SETTINGS_MODULE is ${settings[1]}.settings` };
  }
  const wsgi = sources.find((f) => /^(?:[\w-]+\/)?[\w]+\/wsgi\.py$/.test(f));
  if (wsgi) {
    const module = wsgi
      .replace(/\/wsgi\.py$/, '')
      .split('/')
      .join('.');
    return { module, file: wsgi, line: undefined, reason: `${wsgi} is the WSGI module` };
  }
  return null;
}

export interface PortFinding {
  port: number | null;
  portFromEnv: boolean;
  evidence: Evidence[];
}

const ENV_PORT = /\b(?:os\.)?(?:environ\.get\(|getenv\(|environ\[)\s*["']PORT["']/;
const ENV_PORT_DEFAULT = /\b(?:os\.)?(?:environ\.get|getenv)\(\s*["']PORT["']\s*,\s*["']?(\d{2,5})/;
const LITERAL_PORTS: [RegExp, string][] = [
  [/\.run\([^)]*?\bport\s*=\s*(\d{2,5})\b/, 'runs the server on this literal port'],
  [/\.launch\([^)]*?\bserver_port\s*=\s*(\d{2,5})\b/, 'launches on this literal port'],
  [/^\s*(?:PORT|port)\s*=\s*(\d{2,5})\s*$/m, 'sets this port'],
];

/** Reads the port a `python file.py` app listens on from its code. */
export function portFromSource(file: string, text: string): PortFinding {
  const evidence: Evidence[] = [];
  let port: number | null = null;
  const portFromEnv = ENV_PORT.test(text);
  if (portFromEnv) evidence.push({ field: 'portFromEnv', file, line: lineOf(text, ENV_PORT), reason: 'reads PORT from the environment' });
  const fallback = ENV_PORT_DEFAULT.exec(text);
  if (fallback) {
    port = Number(fallback[1]);
    evidence.push({ field: 'port', file, line: lineOf(text, fallback[0]), reason: 'falls back to this port when PORT is unset' });
    return { port, portFromEnv, evidence };
  }
  for (const [pattern, reason] of LITERAL_PORTS) {
    const match = pattern.exec(text);
    if (match) {
      port = Number(match[1]);
      evidence.push({ field: 'port', file, line: lineOf(text, match[0]), reason });
      break;
    }
  }
  return { port, portFromEnv, evidence };
}

/** Reads the port from a start command such as `gunicorn --bind 0.0.0.0:${PORT:-8000}`. */
export function portFromCommand(command: string): { port: number | null; portFromEnv: boolean } {
  const fallback = /\$\{PORT:-(\d{2,5})\}/.exec(command);
  if (fallback) return { port: Number(fallback[1]), portFromEnv: true };
  const literal = /(?:--port[= ]|--server\.port[= ]|--bind[= ][\w.]*:|-b [\w.]*:|-p |--listen[= ][\w.]*:)(\d{2,5})\b/.exec(command);
  return { port: literal ? Number(literal[1]) : null, portFromEnv: /\$\{?PORT\b/.test(command) };
}
