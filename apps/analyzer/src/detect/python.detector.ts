import type { Evidence, ServiceReport } from '#contracts';
import { quoteWord } from '#common';
import type { Detector } from './detector.js';
import { acceptValue } from './manifest-values.js';
import { procfileWeb } from './procfile.js';
import { EnvCollector } from './env-vars.js';
import {
  detectPythonFramework,
  findAppObject,
  findDjangoProject,
  importPattern,
  PYTHON_ENTRY_FILES,
  PYTHON_FRAMEWORKS,
  ASGI_APPS,
  SELF_SERVING,
  WSGI_APPS,
  portFromCommand,
  portFromSource,
  type PythonFramework,
} from './python-app.js';
import { projectScript } from './python-scripts.js';
import { findDependency, pythonInstallCommands, pythonPackageManager, pythonVersion, readPythonManifests, type PythonManifests } from './python-project.js';
import { lineOf, type SourceTree } from './source-tree.js';

const MARKERS = ['requirements.txt', 'pyproject.toml', 'Pipfile', 'setup.py', 'manage.py'];
const OTHER_MANIFESTS = [
  'package.json',
  'go.mod',
  'Cargo.toml',
  'pom.xml',
  'build.gradle',
  'build.gradle.kts',
  'mix.exs',
  'Gemfile',
  'composer.json',
  'deno.json',
];
const ENV_READ = /\b(?:os\.)?(?:environ\[\s*|environ\.get\(\s*|getenv\(\s*)["']([A-Z_][A-Z0-9_]*)["']/g;
const TEST_FILE = /(?:^|\/)(?:tests?\/|test_[^/]*\.py$|[^/]*_test\.py$|conftest\.py$)|\/migrations\//;
/** Where gunicorn and uvicorn listen unless told otherwise; also the fallback in our start commands. */
const SERVER_PORT = 8000;

interface Start {
  command: string | null;
  evidence: Evidence | null;
  /** The file to read for the port when the app binds it itself (`python app.py`). */
  entry: string | null;
  /** The port when the command binds no port itself, e.g. Gradio's default. */
  defaultPort: number | null;
}

export class PythonDetector implements Detector {
  readonly name = 'python';

  async matches(tree: SourceTree): Promise<boolean> {
    for (const file of MARKERS) if (await tree.exists(file)) return true;
    const topLevel = (await tree.files()).filter((f) => /^[^/]+\.py$/.test(f));
    // A bare script is only claimed when nothing else claims the app or it imports a web framework, so stray
    // tooling scripts in a Node.js app are not.
    const otherManifest = topLevel.length > 0 && (await Promise.all(OTHER_MANIFESTS.map((f) => tree.exists(f)))).some(Boolean);
    if (!otherManifest && topLevel.some((f) => PYTHON_ENTRY_FILES.includes(f))) return true;
    for (const file of topLevel) {
      const text = await tree.read(file);
      if (text && PYTHON_FRAMEWORKS.some((f) => importPattern(f.importName).test(text))) return true;
    }
    return false;
  }

  async detect(tree: SourceTree, appPath: string): Promise<ServiceReport> {
    const evidence: Evidence[] = [];
    const warnings: string[] = [];
    const manifests = await readPythonManifests(tree);
    const sources = (await tree.files()).filter((f) => f.endsWith('.py') && !TEST_FILE.test(f));

    const manager = await pythonPackageManager(tree, manifests, evidence);
    const install = pythonInstallCommands(manager.name, manager.lockfile, manifests);
    if (install.length === 0) warnings.push('No requirements.txt or pyproject.toml was found; nothing will be installed.');
    const framework = await detectPythonFramework(tree, manifests, sources, evidence);
    const build: string[] = [];

    const procfile = await procfileWeb(tree);
    let start: Start;
    if (procfile) {
      const python = /^python3?\s+([\w./-]+\.py)\b/.exec(procfile.command);
      start = {
        command: procfile.command,
        evidence: { field: 'commands.start', file: 'Procfile', line: procfile.line, reason: 'the Procfile declares the web process' },
        entry: python?.[1] ?? null,
        defaultPort: null,
      };
    } else {
      start = await this.startCommand(tree, framework, manifests, sources, warnings);
    }
    if (start.evidence) evidence.push(start.evidence);
    else warnings.push('No entry file (main.py, app.py, ...) was found; add a Procfile with a web process.');
    if (framework?.slug === 'gradio' && start.entry && !/server_name\s*=\s*["']0\.0\.0\.0["']/.test((await tree.read(start.entry)) ?? '')) {
      warnings.push('Gradio listens on localhost unless told otherwise; set GRADIO_SERVER_NAME=0.0.0.0 or launch(server_name="0.0.0.0").');
    }

    if (framework?.slug === 'django') build.push(...(await this.djangoBuild(tree, sources, evidence, warnings)));

    const ports = await this.port(tree, start, framework, sources);
    evidence.push(...ports.evidence);
    const version = await pythonVersion(tree, manifests, evidence);
    const env = await this.envVars(tree, sources);

    let confidence = 0.5;
    if (start.command) confidence += 0.25;
    if (ports.port !== null || ports.portFromEnv) confidence += 0.15;
    if (manifests.texts.size > 0) confidence += 0.1;

    return {
      language: 'python',
      framework: framework?.slug ?? null,
      runtime: { name: 'python', version },
      packageManager: manager.name,
      commands: { install, build, start: start.command },
      port: ports.port,
      portFromEnv: ports.portFromEnv,
      env: env.values(),
      appPath,
      evidence: [...evidence, ...env.evidence()],
      confidence: Math.min(1, Number(confidence.toFixed(2))),
      warnings,
    };
  }

  private async startCommand(
    tree: SourceTree,
    framework: PythonFramework | null,
    manifests: PythonManifests,
    sources: readonly string[],
    warnings: string[],
  ): Promise<Start> {
    const has = (dependency: string) => findDependency(manifests, dependency) !== null;
    const slug = framework?.slug;
    // Targets come from file names and code (`pkg.mod:app`, `app:create_app()`): Python's grammar, then quoted.
    const gunicorn = (target: string) => `gunicorn --bind 0.0.0.0:\${PORT:-${SERVER_PORT}} ${quoteWord(target)}`;
    const uvicorn = (target: string) => `uvicorn ${quoteWord(target)} --host 0.0.0.0 --port \${PORT:-${SERVER_PORT}}`;
    const appRef = (target: string, file: string) => acceptValue('python-app', target, file, warnings);
    const repoFile = (path: string) => acceptValue('repo-path', path, path, warnings);

    if (slug === 'django') {
      const project = await findDjangoProject(tree, sources);
      const asgi = project !== null && has('uvicorn') && !has('gunicorn') && sources.includes(`${project.module.split('.').join('/')}/asgi.py`);
      const target = project && appRef(`${project.module}.${asgi ? 'asgi' : 'wsgi'}:application`, project.file);
      if (project && target) {
        if (!asgi && !has('gunicorn')) warnings.push('gunicorn is not in the dependencies; add it so the app can be served in production.');
        return {
          command: asgi ? uvicorn(target) : gunicorn(target),
          evidence: {
            field: 'commands.start',
            file: project.file,
            line: project.line,
            reason: `${project.reason}; served by ${asgi ? 'uvicorn' : 'gunicorn'}`,
          },
          entry: null,
          defaultPort: null,
        };
      }
      if (!project) warnings.push('The Django project module (WSGI_APPLICATION) was not found.');
    }

    if (slug === 'streamlit' || slug === 'gradio') {
      const entry = await this.fileImporting(tree, sources, slug === 'streamlit' ? 'streamlit' : 'gradio');
      if (entry && repoFile(entry.file)) {
        const command = slug === 'streamlit' ? `streamlit run ${entry.file} --server.port \${PORT:-8501} --server.address 0.0.0.0` : `python ${entry.file}`;
        return {
          command,
          evidence: { field: 'commands.start', file: entry.file, line: entry.line, reason: `${entry.file} imports ${slug}` },
          entry: slug === 'gradio' ? entry.file : null,
          defaultPort: slug === 'streamlit' ? 8501 : 7860,
        };
      }
    }

    if (slug && SELF_SERVING[slug]) {
      const { port, cli } = SELF_SERVING[slug]!;
      const entry = await this.fileImporting(tree, sources, slug);
      if (entry && repoFile(entry.file)) {
        return {
          command: cli ? cli(entry.file) : `python ${entry.file}`,
          evidence: {
            field: 'commands.start',
            file: entry.file,
            line: entry.line,
            reason: `${entry.file} imports ${slug}${cli ? `, served by ${slug}'s CLI` : ' and runs its server'}`,
          },
          entry: entry.file,
          defaultPort: port,
        };
      }
    }

    if (slug && (ASGI_APPS.has(slug) || WSGI_APPS.has(slug))) {
      const found = await findAppObject(tree, slug, sources);
      const app = found && appRef(found.target, found.file) && repoFile(found.file) ? found : null;
      if (app) {
        const wsgi = WSGI_APPS.has(slug);
        const server = wsgi ? 'gunicorn' : 'uvicorn';
        const hasServer = has(server) || (slug === 'fastapi' && /fastapi\[[^\]]*standard/i.test([...manifests.texts.values()].join('\n')));
        const text = (await tree.read(app.file)) ?? '';
        // Without a production server installed, an app that runs itself on 0.0.0.0 is started as it is.
        const selfRun = wsgi ? /\.run\([^)]*host\s*=\s*["']0\.0\.0\.0["']/.test(text) : /\buvicorn\.run\(/.test(text);
        if (!hasServer && selfRun) {
          return {
            command: `python ${app.file}`,
            evidence: { field: 'commands.start', file: app.file, line: app.line, reason: `${app.file} runs its own server and ${server} is not a dependency` },
            entry: app.file,
            defaultPort: wsgi ? 5000 : SERVER_PORT,
          };
        }
        if (!hasServer) warnings.push(`${server} is not in the dependencies; add it so the app can be served in production.`);
        return {
          command: wsgi ? gunicorn(app.target) : uvicorn(app.target),
          evidence: { field: 'commands.start', file: app.file, line: app.line, reason: `the ${slug} app object is ${app.target}; served by ${server}` },
          entry: null,
          defaultPort: null,
        };
      }
      if (!found) warnings.push(`The ${slug} application object was not found; set the start command by hand.`);
    }

    const script = await projectScript(tree, manifests);
    // The script's name (or its module:function, run through python) becomes the start command.
    if (
      script &&
      acceptValue('python-script', script.name, 'pyproject.toml', warnings) &&
      acceptValue('python-app', script.target, 'pyproject.toml', warnings)
    ) {
      return { command: script.command, evidence: script.evidence, entry: script.file, defaultPort: null };
    }
    if (slug === 'google-adk') {
      // An ADK project is a folder of agents; the adk CLI serves them (its API server, as Cloud Run's samples do).
      const agent = sources.find((f) => /(?:^|\/)agent\.py$/.test(f));
      return {
        command: `adk api_server --host 0.0.0.0 --port \${PORT:-${SERVER_PORT}}`,
        evidence: {
          field: 'commands.start',
          file: agent ?? 'requirements.txt',
          reason: `google-adk serves the agents${agent ? ` (${agent})` : ''} with adk api_server`,
        },
        entry: null,
        defaultPort: null,
      };
    }
    const entry = PYTHON_ENTRY_FILES.find((f) => sources.includes(f));
    if (entry) {
      return {
        command: `python ${entry}`,
        evidence: { field: 'commands.start', file: entry, reason: `${entry} is the conventional entry file` },
        entry,
        defaultPort: null,
      };
    }
    // A package with a __main__.py runs as it is: `python <folder>` executes its __main__.
    const main = sources.find((f) => /^[^/]+\/__main__\.py$/.test(f));
    const dir = main?.slice(0, main.indexOf('/'));
    if (main && dir && repoFile(dir)) {
      return {
        command: `python ${dir}`,
        evidence: { field: 'commands.start', file: main, reason: `${main} makes ${dir}/ runnable` },
        entry: main,
        defaultPort: null,
      };
    }
    return { command: null, evidence: null, entry: null, defaultPort: null };
  }

  private async fileImporting(tree: SourceTree, sources: readonly string[], module: string): Promise<{ file: string; line: number | undefined } | null> {
    const pattern = importPattern(module);
    const ordered = [`streamlit_app.py`, ...PYTHON_ENTRY_FILES, 'Home.py'].filter((f) => sources.includes(f));
    for (const file of [...ordered, ...sources.filter((f) => !ordered.includes(f) && !f.includes('/'))]) {
      const text = await tree.read(file);
      if (text && pattern.test(text)) return { file, line: lineOf(text, pattern) };
    }
    return null;
  }

  private async port(tree: SourceTree, start: Start, framework: PythonFramework | null, sources: readonly string[]) {
    const evidence: Evidence[] = [];
    let port: number | null = null;
    let portFromEnv = false;
    if (start.command && start.evidence) {
      const bound = portFromCommand(start.command);
      if (bound.port !== null || bound.portFromEnv) {
        port = bound.port;
        portFromEnv = bound.portFromEnv;
        const reason = `the start command binds ${/\$\{?PORT[^\s]*/.exec(start.command)?.[0] ?? `port ${bound.port}`}`;
        evidence.push({ field: bound.port !== null ? 'port' : 'portFromEnv', file: start.evidence.file, line: start.evidence.line, reason });
      }
    }
    if (port === null && start.entry) {
      const text = (await tree.read(start.entry)) ?? '';
      const found = portFromSource(start.entry, text);
      evidence.push(...found.evidence);
      port = found.port;
      portFromEnv ||= found.portFromEnv;
    }
    if (port === null && start.defaultPort !== null && start.evidence) {
      port = start.defaultPort;
      evidence.push({
        field: 'port',
        file: start.evidence.file,
        line: start.evidence.line,
        reason: `${framework?.slug ?? 'the app'} listens on ${port} by default`,
      });
    }
    if (!portFromEnv) {
      for (const file of sources.slice(0, 300)) {
        const text = await tree.read(file);
        const found = text ? portFromSource(file, text) : null;
        if (found?.portFromEnv) {
          portFromEnv = true;
          evidence.push(...found.evidence.filter((e) => e.field === 'portFromEnv'));
          break;
        }
      }
    }
    return { port, portFromEnv, evidence };
  }

  private async djangoBuild(tree: SourceTree, sources: readonly string[], evidence: Evidence[], warnings: string[]): Promise<string[]> {
    warnings.push('Database migrations are not run at start; run `python manage.py migrate` as a release step.');
    if (!sources.includes('manage.py')) return [];
    for (const file of sources.filter((f) => /settings(?:\/[\w]+)?\.py$|settings\.py$/.test(f))) {
      const text = await tree.read(file);
      if (text && /^STATIC_ROOT\s*=/m.test(text)) {
        evidence.push({
          field: 'commands.build',
          file,
          line: lineOf(text, /^STATIC_ROOT\s*=/m),
          reason: 'STATIC_ROOT is set, so static files are collected at build time',
        });
        return ['python manage.py collectstatic --noinput'];
      }
    }
    return [];
  }

  private async envVars(tree: SourceTree, sources: readonly string[]): Promise<EnvCollector> {
    const env = new EnvCollector('python');
    for (const file of sources.slice(0, 300)) {
      const text = await tree.read(file);
      if (!text) continue;
      for (const match of text.matchAll(ENV_READ)) env.add(match[1]!, file, text, match);
    }
    return env;
  }
}
