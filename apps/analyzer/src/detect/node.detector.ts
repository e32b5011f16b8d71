import type { Evidence, ServiceReport } from '#contracts';
import { parseJsonc } from './jsonc.js';
import type { Detector } from './detector.js';
import { entryCommand, findEntry, type NodeEntry } from './node-entry.js';
import { detectFramework, type PackageJson } from './node-frameworks.js';
import { acceptValue } from './manifest-values.js';
import { collectJsEnv } from './js-env.js';
import { EnvCollector } from './env-vars.js';
import { isRange, nodeLine } from './runtime-lines.js';
import { lineOf, type SourceTree } from './source-tree.js';

const LOCKFILES: [file: string, manager: string][] = [
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

/** With no package.json, a server file at the root still makes a Node app. */
const LONE_SERVERS = ['server.js', 'server.mjs', 'server.cjs', 'server.ts', 'server.mts', 'app.js', 'index.js', 'main.js', 'app.ts', 'index.ts', 'main.ts'];
const LONE_SERVES =
  /\.listen\s*\(|\bcreateServer\s*\(|\brequire\(\s*['"](?:express|http|fastify|koa)['"]|\bfrom\s+['"](?:node:)?(?:http|express|fastify|koa|hono)['"]/;
const SOURCE_FILE = /\.(c|m)?(j|t)sx?$/;

export class NodeDetector implements Detector {
  readonly name = 'node';

  async matches(tree: SourceTree): Promise<boolean> {
    if ((await tree.exists('package.json')) || (await tree.exists('package.json5')) || (await tree.exists('package.yaml'))) return true;
    return (await loneServer(tree)) !== null;
  }

  async detect(tree: SourceTree, appPath: string): Promise<ServiceReport> {
    const evidence: Evidence[] = [];
    const warnings: string[] = [];
    const manifest = await readManifest(tree);
    const pkg = manifest.pkg;
    const pkgText = manifest.text;
    const scripts = pkg.scripts ?? {};
    const deps = { ...pkg.devDependencies, ...pkg.dependencies };

    const manager = await this.packageManager(tree, pkg, evidence);
    const hasDependencies = Object.keys(deps).length > 0;
    const install = hasDependencies || manager.lockfile ? await this.installCommands(tree, manager.name, manager.lockfile) : [];
    // Google's buildpacks run `gcp-build` in place of `build` when it is there.
    const buildScript = scripts['gcp-build'] ? 'gcp-build' : scripts.build ? 'build' : null;
    const detected = await detectFramework(tree, pkg, pkgText);
    // A static folder read from angular.json or a build script becomes a path in the Dockerfile: only a plain relative path.
    const framework =
      detected?.staticDir && !acceptValue('repo-path', detected.staticDir, 'package.json', warnings) ? { ...detected, staticDir: undefined } : detected;
    if (framework) evidence.push(...framework.evidence);
    const build = buildScript ? [`${manager.name} run ${buildScript}`] : (framework?.build ?? []);
    if (buildScript)
      evidence.push({
        field: 'commands.build',
        file: 'package.json',
        line: lineOf(pkgText, `"${buildScript}"`),
        reason: `scripts["${buildScript}"] is "${scripts[buildScript]}"`,
      });
    else if (framework?.build)
      evidence.push({ field: 'commands.build', file: 'package.json', reason: `${framework.slug} builds with \`${framework.build.join(' && ')}\`` });

    const bun = manager.name === 'bun';
    const entry = (await findEntry(tree, pkg, warnings)) ?? (await loneServer(tree));
    let start: string | null = null;
    if (framework?.staticDir) {
      evidence.push({ field: 'staticDir', file: 'package.json', reason: `${framework.slug} builds a static site into ${framework.staticDir}/` });
    } else if (framework?.start) {
      start = framework.start;
      evidence.push({ field: 'commands.start', file: 'package.json', reason: `${framework.slug} runs in production with \`${framework.start}\`` });
    } else if (scripts.start) {
      start = manager.name === 'npm' ? 'npm start' : manager.name === 'bun' ? 'bun run start' : `${manager.name} start`;
      evidence.push({ field: 'commands.start', file: 'package.json', line: lineOf(pkgText, '"start"'), reason: `scripts.start is "${scripts.start}"` });
    } else if (entry) {
      const run = await entryCommand(tree, pkg, entry.file, bun, warnings);
      start = run.command;
      evidence.push(entry.evidence);
      if (run.evidence) evidence.push(run.evidence);
    } else {
      warnings.push('No start script, "main" or server file (server.js, src/index.ts, …) was found; set a start script in package.json.');
    }

    const scan = await this.scanSources(tree, entry?.file, scripts.start);
    evidence.push(...scan.evidence);
    let port = framework?.staticDir ? framework.port : scan.port;
    if (port === null && framework?.port) {
      port = framework.port;
      evidence.push({ field: 'port', file: 'package.json', reason: `${framework.slug} listens on ${port} by default` });
    } else if (framework?.staticDir) {
      evidence.push({ field: 'port', file: 'package.json', reason: `served by ServerGem's static server on $PORT (${port} by default)` });
    }

    const version = bun ? (pkg.engines?.bun ?? null) : await this.nodeVersion(tree, pkg, pkgText, evidence);
    let confidence = 0.5;
    if (start) confidence += 0.25;
    if (port !== null || scan.portFromEnv || framework?.readsPort) confidence += 0.15;
    if (await tree.exists('package.json')) confidence += 0.1;

    return {
      language: 'node',
      framework: framework?.slug ?? null,
      runtime: { name: bun ? 'bun' : 'node', version },
      packageManager: manager.name,
      commands: { install, build, start },
      port,
      portFromEnv: framework?.staticDir ? true : scan.portFromEnv || (framework?.readsPort ?? false),
      env: scan.env,
      appPath,
      staticDir: framework?.staticDir ?? null,
      evidence,
      confidence: Math.min(1, Number(confidence.toFixed(2))),
      warnings,
    };
  }

  private async packageManager(tree: SourceTree, pkg: PackageJson, evidence: Evidence[]): Promise<{ name: string; lockfile: string | null }> {
    let lockfile: string | null = null;
    let name: string | null = null;
    for (const [file, manager] of LOCKFILES) {
      if (await tree.exists(file)) {
        lockfile = file;
        name = manager;
        evidence.push({ field: 'packageManager', file, reason: `${file} is ${manager}'s lockfile` });
        break;
      }
    }
    const declared = /^(npm|yarn|pnpm|bun)@/.exec(pkg.packageManager ?? '')?.[1];
    if (declared && declared !== name) {
      name = declared;
      evidence.push({ field: 'packageManager', file: 'package.json', reason: `packageManager is "${pkg.packageManager}"` });
    }
    if (!name) {
      // No lockfile: the engines a package pins, or the runtime its start script calls.
      const engine = (['bun', 'pnpm', 'yarn'] as const).find((m) => pkg.engines?.[m]);
      const scripted = /^bun\b/.test(pkg.scripts?.start ?? '') ? 'bun' : undefined;
      name = engine ?? scripted ?? null;
      if (name) evidence.push({ field: 'packageManager', file: 'package.json', reason: engine ? `engines.${engine} is set` : 'the start script runs bun' });
    }
    if (!name) evidence.push({ field: 'packageManager', file: 'package.json', reason: 'no lockfile; npm is the default' });
    return { name: name ?? 'npm', lockfile };
  }

  private async installCommands(tree: SourceTree, manager: string, lockfile: string | null): Promise<string[]> {
    if (!(await tree.exists('package.json'))) return [];
    switch (manager) {
      case 'yarn':
        return [(await tree.exists('.yarnrc.yml')) ? 'yarn install --immutable' : 'yarn install --frozen-lockfile'];
      case 'pnpm':
        return ['pnpm install --frozen-lockfile'];
      case 'bun':
        return ['bun install --frozen-lockfile'];
      default:
        return [lockfile ? 'npm ci' : 'npm install'];
    }
  }

  /** Reads the entry file first, then the rest of the sources, for the port and env vars. */
  private async scanSources(tree: SourceTree, entry: string | undefined, startScript: string | undefined) {
    const evidence: Evidence[] = [];
    const env = new EnvCollector('js');
    let port: number | null = null;
    let portFromEnv = false;
    const scripted = startScript ? /(?:node|tsx|ts-node)\s+([\w./-]+\.(?:c|m)?[jt]s)/.exec(startScript)?.[1] : undefined;
    const firsts = [scripted, entry].filter((f): f is string => Boolean(f));
    const rest = (await tree.files()).filter((f) => SOURCE_FILE.test(f) && !firsts.includes(f) && !/(\.test|\.spec)\./.test(f));
    for (const file of [...firsts, ...rest].slice(0, 300)) {
      const text = await tree.read(file);
      if (!text) continue;
      collectJsEnv(env, file, text);
      if (!portFromEnv && /process\.env(\.PORT\b|\[\s*['"]PORT['"]\s*\])/.test(text)) {
        portFromEnv = true;
        evidence.push({
          field: 'portFromEnv',
          file,
          line: lineOf(text, /process\.env(\.PORT\b|\[\s*['"]PORT['"]\s*\])/),
          reason: 'reads PORT from the environment',
        });
      }
      if (port === null) {
        const found = findPort(text);
        if (found) {
          port = found.port;
          evidence.push({ field: 'port', file, line: lineOf(text, found.match), reason: found.reason });
        }
      }
    }
    if (port === null && !portFromEnv) {
      const own = await ownPortLine(tree, [...firsts, ...rest].slice(0, 300));
      if (own) evidence.push(own);
    }
    return { evidence: [...evidence, ...env.evidence()], env: env.values(), port, portFromEnv };
  }

  private async nodeVersion(tree: SourceTree, pkg: PackageJson, pkgText: string, evidence: Evidence[]): Promise<string | null> {
    for (const file of ['.nvmrc', '.node-version']) {
      const text = (await tree.read(file))?.trim();
      const version = text ? (/^v?(\d+(?:\.\d+){0,2})/.exec(text)?.[1] ?? (await aliasLine(text))) : undefined;
      if (version) {
        evidence.push({ field: 'runtime.version', file, line: 1, reason: `${file} says ${text}` });
        return version;
      }
    }
    const range = pkg.engines?.node?.trim();
    if (!range) return null;
    const line = lineOf(pkgText, '"engines"');
    if (!isRange(range)) {
      const pinned = /^v?(\d+(?:\.\d+){0,2})$/.exec(range)?.[1];
      if (pinned) evidence.push({ field: 'runtime.version', file: 'package.json', line, reason: `engines.node is "${range}"` });
      return pinned ?? null;
    }
    // The newest supported line the range allows: the range's floor is usually long out of support.
    const chosen = await nodeLine(range);
    if (!chosen) return null;
    evidence.push({
      field: 'runtime.version',
      file: 'package.json',
      line,
      reason: `engines.node is "${range}": Node.js ${chosen.line} is the newest ${chosen.supported ? 'supported ' : ''}line it allows`,
    });
    return chosen.line;
  }
}

const PORT_PATTERNS: [RegExp, string][] = [
  [/process\.env\.PORT\)?\s*(?:\|\||\?\?)\s*['"]?(\d{2,5})/, 'falls back to this port when PORT is unset'],
  [/\bPORT\s*=\s*(?:Number\(|parseInt\()?[^;\n]*?(?:\|\||\?\?)\s*['"]?(\d{2,5})/, 'falls back to this port when PORT is unset'],
  [/\.listen\(\s*(\d{2,5})\b/, 'listens on this literal port'],
  [/\b(?:const|let|var)\s+(?:port|PORT|serverPort|httpPort)\s*(?::\s*number\s*)?=\s*(\d{2,5})\s*;?\s*$/m, 'sets this port'],
  [/\bport\s*:\s*(\d{2,5})\b/, 'configures this port'],
];

/** A port number the code picks on its own (`Number(process.env.HTTP_PORT) || 4321`): no sure port, but where a fix would go. */
const OWN_PORT = /\b(?:port|listen)\b[^\n]*?[^\w.](\d{4,5})\b/i;

async function ownPortLine(tree: SourceTree, files: readonly string[]): Promise<Evidence | null> {
  for (const file of files) {
    const text = await tree.read(file);
    const lines = text?.split('\n') ?? [];
    const index = lines.findIndex((l) => l.length <= 300 && OWN_PORT.test(l) && !/^\s*(\/\/|\*)/.test(l));
    if (index < 0) continue;
    const number = OWN_PORT.exec(lines[index]!)![1];
    return { field: 'listen', file, line: index + 1, reason: `picks port ${number} itself instead of reading PORT`, excerpt: lines[index]! };
  }
  return null;
}

function findPort(text: string): { port: number; match: string; reason: string } | null {
  for (const [pattern, reason] of PORT_PATTERNS) {
    const match = pattern.exec(text);
    const port = match ? Number(match[1]) : NaN;
    if (match && port > 0 && port < 65536) return { port, match: match[0], reason };
  }
  return null;
}

/** package.json, or pnpm's package.json5 (read as JSON with comments and trailing commas). */
async function readManifest(tree: SourceTree): Promise<{ pkg: PackageJson; text: string }> {
  const json = await tree.read('package.json');
  if (json !== null) {
    try {
      return { pkg: JSON.parse(json) as PackageJson, text: json };
    } catch {
      return { pkg: {}, text: json };
    }
  }
  const json5 = await tree.read('package.json5');
  return json5 !== null ? { pkg: await parseJsonc<PackageJson>(json5), text: json5 } : { pkg: {}, text: '' };
}

/** A server file with no package.json beside it (`server.js`, `server.ts`): a Node app on the standard library. */
async function loneServer(tree: SourceTree): Promise<NodeEntry | null> {
  for (const file of LONE_SERVERS) {
    const text = await tree.read(file);
    if (text !== null && LONE_SERVES.test(text)) {
      return {
        file,
        evidence: { field: 'commands.start', file, line: lineOf(text, LONE_SERVES), reason: `${file} starts a server and there is no package.json` },
      };
    }
  }
  return null;
}

/** nvm's aliases: `lts/iron` is Node.js 20; `lts/*`, `node` and `stable` the newest supported line. */
const LTS_NAMES: Record<string, string> = {
  argon: '4',
  boron: '6',
  carbon: '8',
  dubnium: '10',
  erbium: '12',
  fermium: '14',
  gallium: '16',
  hydrogen: '18',
  iron: '20',
  jod: '22',
  krypton: '24',
};

async function aliasLine(alias: string): Promise<string | undefined> {
  const named = /^lts\/([a-z]+)$/i.exec(alias)?.[1]?.toLowerCase();
  if (named && LTS_NAMES[named]) return LTS_NAMES[named];
  if (/^(?:lts\/\*|node|stable|latest)$/i.test(alias)) return (await nodeLine('*'))?.line;
  return undefined;
}
