import type { AnalysisReport } from '#contracts';
import { parseCommand } from '#common';
import { findDependency, readPythonManifests } from '../detect/python-project.js';
import type { SourceTree } from '../detect/source-tree.js';
import { isSecretPath } from './secret-filter.js';

export type Check = { ok: true; file: string; checked: string } | { ok: false; why: string };

const MAX_COMMAND = 200;
const ALLOWED_CHARS = /^[A-Za-z0-9 _./:=@,+-]*$/;
// Detectors themselves write `$PORT`, `${PORT:-3000}` and `$JAVA_OPTS`; nothing else with `$`.
const ENV_REFERENCE = /\$\{[A-Z_][A-Z0-9_]*(:-[A-Za-z0-9_.]*)?\}|\$[A-Z_][A-Z0-9_]*/g;
const URL_LIKE = /^(?:[a-z][a-z0-9+.-]*:\/\/|(?:npm|jsr|github|data|git\+[a-z]+):)/i;

/** Programs that fetch or install code, escalate, or run text they are given: never a start command. */
const REFUSED_PROGRAMS: Record<string, string> = {
  curl: 'it downloads code at start',
  wget: 'it downloads code at start',
  aria2c: 'it downloads code at start',
  bunx: 'bunx installs and runs a package from the registry',
  uvx: 'uvx installs and runs a package from the index',
  pipx: 'pipx installs and runs a package from the index',
  pip: 'pip installs packages at start',
  pip3: 'pip installs packages at start',
  sudo: 'it escalates privileges',
  su: 'it escalates privileges',
  doas: 'it escalates privileges',
  eval: 'it runs text as a shell command',
  source: 'it runs text as a shell command',
  exec: 'it runs text as a shell command',
  docker: 'it runs containers',
};

/** Subcommands that install or fetch code, per tool. */
const REFUSED_SUBCOMMANDS: Record<string, Record<string, string>> = {
  npm: { install: 'installs', i: 'installs', ci: 'installs', add: 'installs', exec: 'fetches and runs', x: 'fetches and runs', init: 'fetches and runs' },
  yarn: { add: 'installs', install: 'installs', dlx: 'fetches and runs', create: 'fetches and runs' },
  pnpm: { add: 'installs', install: 'installs', i: 'installs', dlx: 'fetches and runs', create: 'fetches and runs' },
  bun: { add: 'installs', install: 'installs', i: 'installs', x: 'fetches and runs', create: 'fetches and runs' },
  uv: { tool: 'fetches and runs', pip: 'installs', add: 'installs' },
  go: { install: 'installs', get: 'installs' },
  cargo: { install: 'installs' },
  gem: { install: 'installs' },
  composer: { require: 'installs', global: 'installs', 'create-project': 'installs' },
  deno: { install: 'installs', add: 'installs' },
};

/** Runtimes that run a file given to them, and the flags that make them run inline code instead. */
const RUNTIMES: Record<string, RegExp> = {
  node: /^(?:-e|--eval|-p|--print)$/,
  bun: /^(?:-e|--eval|-p|--print)$/,
  deno: /^eval$/,
  python: /^-c$/,
  python3: /^-c$/,
  ruby: /^-e$/,
  perl: /^-[eE]$/,
  php: /^-r$/,
  sh: /^-c$/,
  bash: /^-c$/,
  java: /^$/,
  dotnet: /^$/,
};

/** npm packages whose executables are not named after the package. */
const NPM_BINS: Record<string, string[]> = {
  typescript: ['tsc', 'tsserver'],
  '@nestjs/cli': ['nest'],
  '@angular/cli': ['ng'],
  '@remix-run/serve': ['remix-serve'],
  '@react-router/serve': ['react-router-serve'],
  '@sveltejs/kit': ['svelte-kit'],
  pm2: ['pm2', 'pm2-runtime'],
  nuxt: ['nuxt', 'nuxi'],
  '@babel/node': ['babel-node'],
  concurrently: ['concurrently', 'conc'],
};

/** Python distributions whose console scripts are not named after the distribution. */
const PYTHON_SCRIPTS: Record<string, string[]> = {
  waitress: ['waitress-serve'],
  django: ['django-admin'],
  'fastapi-cli': ['fastapi'],
  'fastapi[standard]': ['fastapi'],
};

/** Gems and the executables they bring. */
const GEM_BINS: Record<string, string[]> = { rack: ['rackup'], rackup: ['rackup'], railties: ['rails'], rails: ['rails'] };

interface Context {
  report: AnalysisReport;
  tree: SourceTree;
}

/**
 * A start command the model proposes may only run what the repository contains or its declared
 * dependencies provide: a script of the manifest (`npm run x` where x exists), a binary of a
 * declared dependency, a runtime on a file of the repository (`node server.js`), or a build output
 * of the plan (`./bin/server`). It must be one plain command line: no shell, no download, no install.
 */
export async function checkStartCommand(command: string, report: AnalysisReport, tree: SourceTree): Promise<Check> {
  if (command.length > MAX_COMMAND || /[\r\n]/.test(command)) return { ok: false, why: 'too long or more than one line' };
  const withoutRefs = command.replace(ENV_REFERENCE, 'ENVREF');
  if (!ALLOWED_CHARS.test(withoutRefs) || parseCommand(withoutRefs).argv === null) {
    return { ok: false, why: 'it needs a shell (operators, substitutions, quotes or redirects)' };
  }
  const words = [...parseCommand(withoutRefs).argv!];
  // `https://…`, `npm:x`, and option values such as `--import=data:…` load code from outside the repository.
  const url = words.map((w) => w.slice(w.startsWith('-') ? w.indexOf('=') + 1 : 0)).find((w) => URL_LIKE.test(w));
  if (url) return { ok: false, why: `it loads code from ${url}` };
  return checkWords(words, { report, tree });
}

async function checkWords(words: string[], ctx: Context): Promise<Check> {
  const [program = '', ...args] = words;
  const name = program.split('/').pop()!;
  const refused = REFUSED_PROGRAMS[name] ?? refusedSubcommand(name, args);
  if (refused) return { ok: false, why: refused };

  if (name === 'npx' || (name === 'pnpm' && args[0] === 'exec') || (name === 'yarn' && args[0] === 'exec')) return npxLike(name, args, ctx);
  const script = await manifestScript(name, args, ctx);
  if (script) return script;
  if (name === 'bundle' && args[0] === 'exec') return bundleExec(args.slice(1), ctx);
  if (name === 'go' && args[0] === 'run') {
    return args.some((a) => a.includes('@')) ? { ok: false, why: 'go run with a version fetches the module' } : onRepoFile('go', args.slice(1), ctx);
  }
  if (program.includes('/')) return ownExecutable(program, ctx);
  if (RUNTIMES[name]) return onRepoFile(name, args, ctx);
  const dependency = await dependencyBinary(name, ctx);
  if (dependency) return dependency;
  return {
    ok: false,
    why: `${name} is neither a script of the manifest, a binary of a declared dependency, a runtime on a repository file nor a build output`,
  };
}

function refusedSubcommand(name: string, args: string[]): string | null {
  const sub = REFUSED_SUBCOMMANDS[name]?.[args[0] ?? ''];
  if (sub) return `${name} ${args[0]} ${sub} packages at start`;
  if ((name === 'python' || name === 'python3') && args[0] === '-m' && /^(pip|ensurepip|venv)$/.test(args[1] ?? ''))
    return `python -m ${args[1]} installs packages at start`;
  if (name === 'deno' && args[0] === 'run' && args.some((a) => URL_LIKE.test(a))) return 'deno run of a URL fetches code at start';
  return null;
}

/** `npm start`, `npm run x`, `yarn x`, `pnpm run x`, `bun run x`, `deno task x`: the script must exist. */
async function manifestScript(name: string, args: string[], ctx: Context): Promise<Check | null> {
  const { tree } = ctx;
  if (name === 'deno' && args[0] === 'task') {
    const tasks = (await tree.readJson<{ tasks?: Record<string, unknown> }>('deno.json'))?.tasks ?? {};
    return typeof tasks[args[1] ?? ''] === 'string'
      ? { ok: true, file: 'deno.json', checked: `task "${args[1]}" is in deno.json` }
      : { ok: false, why: `deno.json has no "${args[1] ?? ''}" task` };
  }
  if (!['npm', 'yarn', 'pnpm', 'bun'].includes(name)) return null;
  const [first = '', second] = args;
  const script = first === 'run' || first === 'run-script' ? second : first === 'start' ? 'start' : name === 'npm' || name === 'bun' ? null : first;
  if (!script) return null;
  const rest = args.slice(first === 'run' || first === 'run-script' ? 2 : 1);
  if (rest.length > 0 && rest[0] !== '--') return { ok: false, why: `${name} ${args.join(' ')} passes arguments outside "--"` };
  const scripts = (await tree.readJson<{ scripts?: Record<string, unknown> }>('package.json'))?.scripts ?? {};
  if (typeof scripts[script] === 'string') return { ok: true, file: 'package.json', checked: `script "${script}" is in package.json` };
  // `bun run server.ts` runs a file rather than a script.
  if (name === 'bun' && /[./]/.test(script)) return onRepoFile('bun', [script], ctx);
  return { ok: false, why: `package.json has no "${script}" script` };
}

/** `npx tool …` runs a local binary only when a declared dependency provides it; otherwise npx downloads it. */
async function npxLike(name: string, args: string[], ctx: Context): Promise<Check> {
  const rest = name === 'npx' ? args : args.slice(1);
  const flag = rest.find((a) => /^(?:-y|--yes|-p|--package(?:=.*)?|--call|-c)$/.test(a));
  if (flag) return { ok: false, why: `${name} ${flag} installs and runs a package from the registry` };
  const [tool = ''] = rest;
  if (/.@/.test(tool)) return { ok: false, why: `${name} would fetch ${tool} from the registry` };
  const dependency = await dependencyBinary(tool, ctx);
  return dependency ?? { ok: false, why: `${name} would fetch ${tool} from the registry: no declared dependency provides it` };
}

/** `bundle exec puma`, `bundle exec rails server`, `bundle exec ruby app.rb`. */
async function bundleExec(args: string[], ctx: Context): Promise<Check> {
  const [tool = ''] = args;
  if (tool === 'ruby') return onRepoFile('ruby', args.slice(1), ctx);
  if (tool.includes('/')) return ownExecutable(tool, ctx);
  return (await gemBinary(tool, ctx.tree)) ?? { ok: false, why: `no gem in the Gemfile provides ${tool}` };
}

async function gemBinary(tool: string, tree: SourceTree): Promise<Check | null> {
  const gemfile = await tree.read('Gemfile');
  if (!gemfile) return null;
  for (const [gem, bins] of Object.entries({ ...GEM_BINS, [tool]: [tool] })) {
    if (bins.includes(tool) && new RegExp(`^\\s*gem\\s+["']${gem.replace(/[.+]/g, '\\$&')}["']`, 'm').test(gemfile)) {
      return { ok: true, file: 'Gemfile', checked: `${tool} comes with the ${gem} gem in the Gemfile` };
    }
  }
  return null;
}

/** A runtime on a file: the first argument that is not a flag must be a file of the repository or a build output. */
async function onRepoFile(runtime: string, args: string[], ctx: Context): Promise<Check> {
  const inline = RUNTIMES[runtime];
  if (inline && args.some((a) => a !== '' && inline.test(a))) return { ok: false, why: `${runtime} would run inline code` };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (runtime.startsWith('python') && arg === '-m') return pythonModule(args[i + 1] ?? '', ctx);
    if (arg.startsWith('-') || arg === 'run' || arg === 'ENVREF') continue;
    const found = (await repoFile(arg, ctx.tree)) ?? buildOutput(arg, ctx.report);
    if (found) return found;
    return { ok: false, why: `${runtime} would run ${arg}, which is neither a file of the repository nor a build output` };
  }
  return { ok: false, why: `${runtime} is given no file of the repository to run` };
}

async function pythonModule(module: string, ctx: Context): Promise<Check> {
  if (/^[A-Za-z_][\w.]*$/.test(module)) {
    const asPath = module.split('.').join('/');
    for (const candidate of [`${asPath}.py`, `${asPath}/__main__.py`, `${asPath}/__init__.py`]) {
      const found = await repoFile(candidate, ctx.tree);
      if (found) return found;
    }
    const dependency = findDependency(await readPythonManifests(ctx.tree), module.split('.')[0]!);
    if (dependency) return { ok: true, file: dependency.file, checked: `${module} is a module of a dependency declared in ${dependency.file}` };
  }
  return { ok: false, why: `python -m ${module} names neither a module of the repository nor a declared dependency` };
}

/** `./bin/server`, `bin/rails`, `./start.sh`: a file of the repository, or what the plan's build produces. */
async function ownExecutable(path: string, ctx: Context): Promise<Check> {
  return (
    (await repoFile(path, ctx.tree)) ??
    buildOutput(path, ctx.report) ?? { ok: false, why: `${path} is neither a file of the repository nor a build output of the plan` }
  );
}

async function repoFile(path: string, tree: SourceTree): Promise<Check | null> {
  const bare = path.replace(/^\.\//, '');
  if (!bare || bare.startsWith('/') || bare.split('/').includes('..') || isSecretPath(bare)) return null;
  return (await tree.exists(bare)) ? { ok: true, file: bare, checked: `${bare} exists in the repository` } : null;
}

/** Folders the plan's build writes: `go build -o out`, `cp … bin/`, target/, build/libs/, a release, a bundle. */
function buildOutput(path: string, report: AnalysisReport): Check | null {
  const bare = path.replace(/^\.\//, '');
  if (bare.split('/').includes('..') || report.commands.build.length === 0) return null;
  const outputs = new Set<string>();
  for (const command of report.commands.build) {
    for (const match of command.matchAll(/(?:^|\s)-o\s+(\S+)/g)) outputs.add(match[1]!.replace(/^\.\//, ''));
    const copied = /^cp\s+.*\s(\S+\/)$/.exec(command);
    if (copied) outputs.add(copied[1]!);
  }
  const byLanguage: Record<string, string[]> = {
    java: ['target/', 'build/libs/'],
    elixir: ['_build/prod/rel/'],
    node: ['dist/', 'build/', '.next/', '.output/', 'out/'],
  };
  for (const prefix of byLanguage[report.language] ?? []) outputs.add(prefix);
  const hit = [...outputs].find((out) => (out.endsWith('/') ? bare.startsWith(out) && bare.length > out.length : bare === out || bare.startsWith(`${out}/`)));
  if (!hit) return null;
  const file = report.evidence.find((e) => e.field === 'commands.build')?.file ?? '.';
  return { ok: true, file, checked: `${bare} is an output of the plan's build` };
}

/** A program named by a declared dependency: npm (dependencies and devDependencies), Python, or Ruby gems. */
async function dependencyBinary(program: string, ctx: Context): Promise<Check | null> {
  if (!/^[A-Za-z0-9][\w.-]*$/.test(program)) return null;
  const pkg = await ctx.tree.readJson<{ dependencies?: Record<string, string>; devDependencies?: Record<string, string> }>('package.json');
  for (const dep of Object.keys({ ...pkg?.devDependencies, ...pkg?.dependencies })) {
    const bins = NPM_BINS[dep] ?? [dep.split('/').pop()!];
    if (bins.includes(program)) return { ok: true, file: 'package.json', checked: `${program} comes with the declared dependency ${dep}` };
  }
  const manifests = await readPythonManifests(ctx.tree);
  for (const [dist, scripts] of [...Object.entries(PYTHON_SCRIPTS), [program, [program]] as const]) {
    const found = scripts.includes(program) ? findDependency(manifests, dist.replace(/\[.*$/, '')) : null;
    if (found) return { ok: true, file: found.file, checked: `${program} is a console script of ${dist.replace(/\[.*$/, '')}, declared in ${found.file}` };
  }
  const ownScripts = manifests.texts.get('pyproject.toml');
  const section = ownScripts ? /^\[project\.scripts\]\s*\n([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(ownScripts)?.[1] : undefined;
  if (section && new RegExp(`^\\s*${program.replace(/[.]/g, '\\.')}\\s*=`, 'm').test(section)) {
    return { ok: true, file: 'pyproject.toml', checked: `${program} is a console script of the project ([project.scripts])` };
  }
  return gemBinary(program, ctx.tree);
}
