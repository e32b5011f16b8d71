import type { Evidence, ServiceReport } from '#contracts';
import type { Detector } from './detector.js';
import { clampConfidence, scanSources, sourceFiles, type ScanRules } from './pattern-scan.js';
import { lineOf, type SourceTree } from './source-tree.js';

/** What one language's manifest says about building and starting the app. */
interface Plan {
  framework: string | null;
  packageManager: string | null;
  install: string[];
  build: string[];
  start: string | null;
  /** The port the framework listens on when the code names none. */
  defaultPort: number | null;
  /** True when the start command passes $PORT to the app itself. */
  portFromStart?: boolean;
  version: string | null;
  evidence: Evidence[];
  warnings: string[];
}

interface Language {
  language: string;
  /** The manifest that gives the language away, first found wins. */
  manifests: string[];
  /** A top-level file ending so gives it away too (a lone `app.cabal`). */
  extension?: string;
  sources: RegExp;
  tests: RegExp;
  rules: ScanRules;
  plan(tree: SourceTree, manifest: string, text: string): Promise<Plan>;
}

/** A name that goes into a path or argv: the grammar every one of these ecosystems allows for it. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const envName = '([A-Za-z_][A-Za-z0-9_]*)';

function plan(partial: Partial<Plan> & Pick<Plan, 'build' | 'start'>): Plan {
  return { framework: null, packageManager: null, install: [], defaultPort: null, version: null, evidence: [], warnings: [], ...partial };
}

function noEntry(language: string, what: string): Plan {
  return plan({
    build: [],
    start: null,
    warnings: [`ServerGem found no ${what} in this ${language} project, so it has no start command; add one, or a Dockerfile.`],
  });
}

/** A Leiningen project's uberjar, or a tools.build `uber` task: one standalone jar that `java -jar` runs. */
const CLOJURE: Language = {
  language: 'clojure',
  manifests: ['project.clj', 'deps.edn'],
  sources: /\.(clj|cljc)$/,
  tests: /(^|\/)test\//,
  rules: {
    dialect: 'go',
    env: [new RegExp(`System/getenv\\s+"${envName}"`, 'g')],
    portEnv: /System\/getenv\s+"PORT"/,
    ports: [
      [/System\/getenv\s+"PORT"\)?\s*"?(\d{2,5})/, 'falls back to this port when PORT is unset'],
      [/:port\s+(\d{2,5})\b/, 'listens on this literal port'],
    ],
  },
  async plan(tree, manifest, text) {
    const evidence: Evidence[] = [];
    const jarStart = (jar: string) => `java -XX:MaxRAMPercentage=75 -jar ${jar}`;
    if (manifest === 'deps.edn') {
      const build = await tree.read('build.clj');
      if (!build || !/\(defn\s+uber\b/.test(build)) return noEntry('Clojure', 'build.clj with an `uber` task (tools.build)');
      const literal = /\(def\s+uber-file\s+"([^"\s]+\.jar)"\)/.exec(build)?.[1];
      const jar = literal && /^[\w./-]+$/.test(literal) && !literal.includes('..') ? literal : 'target/*-standalone.jar';
      evidence.push({
        field: 'commands.build',
        file: 'build.clj',
        line: lineOf(build, /\(defn\s+uber\b/),
        reason: 'tools.build makes an uberjar with `clojure -T:build uber`',
      });
      evidence.push({ field: 'commands.start', file: 'build.clj', line: lineOf(build, /uber-file/), reason: `the uberjar is ${jar}` });
      return plan({
        framework: frameworkOf(text),
        packageManager: 'clojure-cli',
        build: ['clojure -T:build uber'],
        start: jarStart(jar),
        defaultPort: null,
        evidence,
      });
    }
    const project = /\(defproject\s+(?:[\w.-]+\/)?([\w.-]+)\s+"([^"\s]+)"/.exec(text);
    const main = /:main\s+(?:\^:skip-aot\s+)?([\w.-]+)/.exec(text);
    const ring = /:ring\s+\{[^}]*:handler\s+([\w./-]+)/.exec(text);
    if (!project || !NAME.test(project[1]!) || !NAME.test(project[2]!) || (!main && !ring)) {
      return noEntry('Clojure', 'project with a :main namespace or a lein-ring :handler');
    }
    const [, name, version] = project;
    const uberjarName = /:uberjar-name\s+"([\w.-]+\.jar)"/.exec(text)?.[1];
    // Leiningen's default :target-path is "target/%s": the uberjar profile builds into target/uberjar.
    const targetPath = /:target-path\s+"([\w./%-]+)"/.exec(text)?.[1] ?? 'target/%s';
    const jar = `${targetPath.replace('%s', 'uberjar').replace(/\/$/, '')}/${uberjarName ?? `${name}-${version}-standalone.jar`}`;
    const build = main ? 'lein uberjar' : 'lein ring uberjar';
    evidence.push({
      field: 'commands.build',
      file: 'project.clj',
      line: lineOf(text, main ? /:main\s/ : /:ring\s/),
      reason: main ? `:main is ${main[1]}: \`lein uberjar\` makes a runnable jar` : `lein-ring serves ${ring![1]}: \`lein ring uberjar\` makes a runnable jar`,
    });
    evidence.push({ field: 'commands.start', file: 'project.clj', line: lineOf(text, /\(defproject/), reason: `the uberjar of ${name} ${version} is ${jar}` });
    const framework = frameworkOf(text) ?? (ring ? 'ring' : null);
    return plan({
      framework,
      packageManager: 'leiningen',
      install: ['lein deps'],
      build: [build],
      start: jarStart(jar),
      // lein-ring's jar serves on 3000 unless PORT says otherwise; Luminus apps too.
      defaultPort: ring || framework === 'luminus' ? 3000 : null,
      portFromStart: Boolean(ring && !main),
      evidence,
    });
  },
};

function frameworkOf(manifest: string): string | null {
  if (/luminus/.test(manifest)) return 'luminus';
  if (/\bring\/ring-core\b|ring-jetty-adapter|http-kit/.test(manifest)) return 'ring';
  return null;
}

/** sbt with sbt-native-packager (`sbt stage` makes a start script) or sbt-assembly (one fat jar). */
const SCALA: Language = {
  language: 'scala',
  manifests: ['build.sbt'],
  sources: /\.scala$/,
  tests: /(^|\/)src\/test\//,
  rules: {
    dialect: 'go',
    env: [new RegExp(`sys\\.env(?:\\.get)?\\(\\s*"${envName}"`, 'g'), new RegExp(`System\\.getenv\\(\\s*"${envName}"`, 'g')],
    portEnv: /sys\.env(?:\.get)?\(\s*"PORT"|System\.getenv\(\s*"PORT"/,
    ports: [
      [/"PORT"[^\n]*?getOrElse\(\s*"?(\d{2,5})/, 'falls back to this port when PORT is unset'],
      [/\b(?:bindHttp|withPort|port)\(\s*(?:port"?)?(\d{2,5})\b/, 'listens on this literal port'],
    ],
  },
  async plan(tree, _manifest, text) {
    const plugins = (await tree.read('project/plugins.sbt')) ?? '';
    const evidence: Evidence[] = [];
    const sbtVersion = /sbt\.version\s*=\s*([\d.]+)/.exec((await tree.read('project/build.properties')) ?? '')?.[1] ?? null;
    const name = /\bname\s*:=\s*"([^"]+)"/.exec(text)?.[1];
    if (/sbt-native-packager/.test(plugins) && /JavaAppPackaging|JavaServerAppPackaging|PlayScala/.test(text)) {
      // The start script is named after the project (normalizedName) unless executableScriptName says otherwise.
      const script = /executableScriptName\s*:=\s*"([\w.-]+)"/.exec(text)?.[1] ?? (name ? name.toLowerCase().replace(/[^a-z0-9]+/g, '-') : null);
      if (!script || !NAME.test(script)) return noEntry('Scala', 'project name for the start script');
      evidence.push({
        field: 'commands.build',
        file: 'project/plugins.sbt',
        line: lineOf(plugins, /sbt-native-packager/),
        reason: 'sbt-native-packager stages the app with `sbt stage`',
      });
      evidence.push({
        field: 'commands.start',
        file: 'build.sbt',
        line: lineOf(text, /executableScriptName|\bname\s*:=/),
        reason: `the staged start script is bin/${script}`,
      });
      return plan({
        packageManager: 'sbt',
        build: ['sbt stage'],
        start: `./target/universal/stage/bin/${script}`,
        version: sbtVersion,
        evidence,
        framework: /PlayScala/.test(text) ? 'play' : null,
        defaultPort: /PlayScala/.test(text) ? 9000 : null,
      });
    }
    if (/sbt-assembly/.test(plugins)) {
      evidence.push({
        field: 'commands.build',
        file: 'project/plugins.sbt',
        line: lineOf(plugins, /sbt-assembly/),
        reason: 'sbt-assembly makes one fat jar with `sbt assembly`',
      });
      return plan({
        packageManager: 'sbt',
        build: ['sbt assembly'],
        start: 'java -XX:MaxRAMPercentage=75 -jar target/scala-*/*-assembly-*.jar',
        version: sbtVersion,
        evidence,
      });
    }
    return noEntry('Scala', 'packaging plugin (sbt-native-packager or sbt-assembly) in project/plugins.sbt');
  },
};

/** Crystal: `shards build` makes bin/<target> for each target of shard.yml. */
const CRYSTAL: Language = {
  language: 'crystal',
  manifests: ['shard.yml'],
  sources: /\.cr$/,
  tests: /(^|\/)spec\//,
  rules: {
    dialect: 'go',
    env: [new RegExp(`ENV\\[\\s*"${envName}"\\s*\\]`, 'g'), new RegExp(`ENV\\.fetch\\(\\s*"${envName}"`, 'g')],
    portEnv: /ENV(?:\[\s*|\.fetch\(\s*)"PORT"/,
    ports: [
      [/ENV(?:\[\s*"PORT"\s*\]\?|\.fetch\(\s*"PORT")\s*(?:\|\||,)\s*"?(\d{2,5})/, 'falls back to this port when PORT is unset'],
      [/\b(?:bind_tcp|listen)\([^)]*?(\d{2,5})\s*\)/, 'listens on this literal port'],
      [/port\s*=\s*(\d{2,5})\b/, 'sets this port'],
    ],
  },
  async plan(_tree, _manifest, text) {
    const target = /^targets:\s*\n\s+([\w-]+):\s*\n\s+main:\s*(\S+)/m.exec(text);
    if (!target || !NAME.test(target[1]!)) return noEntry('Crystal', 'target in shard.yml (targets: <name>: main: src/…)');
    const framework = /^\s+kemal:/m.test(text) ? 'kemal' : /^\s+lucky:/m.test(text) ? 'lucky' : /^\s+amber:/m.test(text) ? 'amber' : null;
    return plan({
      framework,
      packageManager: 'shards',
      install: ['shards install --production'],
      build: ['shards build --production --release --static'],
      start: `./bin/${target[1]}`,
      defaultPort: framework === 'kemal' ? 3000 : framework === 'lucky' || framework === 'amber' ? 3000 : null,
      version: /^crystal:\s*["']?([\d.]+)/m.exec(text)?.[1] ?? null,
      evidence: [
        {
          field: 'commands.start',
          file: 'shard.yml',
          line: lineOf(text, /^targets:/m),
          reason: `target ${target[1]} (${target[2]}) is built to bin/${target[1]}`,
        },
        ...(framework
          ? [{ field: 'framework', file: 'shard.yml', line: lineOf(text, new RegExp(`^\\s+${framework}:`, 'm')), reason: `depends on ${framework}` }]
          : []),
      ],
    });
  },
};

/** Swift packages: the executable target, built with the Swift standard library linked in. */
const SWIFT: Language = {
  language: 'swift',
  manifests: ['Package.swift'],
  sources: /\.swift$/,
  tests: /(^|\/)Tests\//,
  rules: {
    dialect: 'go',
    env: [new RegExp(`Environment\\.get\\(\\s*"${envName}"`, 'g'), new RegExp(`environment\\[\\s*"${envName}"\\s*\\]`, 'g')],
    portEnv: /Environment\.get\(\s*"PORT"|environment\[\s*"PORT"\s*\]/,
    ports: [[/\bport\s*[:=]\s*(\d{2,5})\b/, 'listens on this literal port']],
  },
  async plan(_tree, _manifest, text) {
    const vapor = /github\.com\/vapor\/vapor/.test(text);
    const hummingbird = /hummingbird-project\/hummingbird/.test(text);
    const names = [...text.matchAll(/\.(?:executableTarget|executable)\(\s*name:\s*"([\w-]+)"/g)].map((m) => m[1]!);
    const name = names.find((n) => n === 'Run') ?? names.find((n) => n === 'App') ?? names[0];
    if (!name || !NAME.test(name)) return noEntry('Swift', 'executable target in Package.swift');
    const binary = `./.build/release/${name}`;
    return plan({
      framework: vapor ? 'vapor' : hummingbird ? 'hummingbird' : null,
      packageManager: 'swiftpm',
      install: ['swift package resolve'],
      build: ['swift build -c release --static-swift-stdlib'],
      // Vapor takes its address from `serve`'s flags, not from the environment.
      start: vapor ? `${binary} serve --env production --hostname 0.0.0.0 --port \${PORT:-8080}` : binary,
      defaultPort: vapor || hummingbird ? 8080 : null,
      portFromStart: vapor,
      version: /swift-tools-version:\s*([\d.]+)/.exec(text)?.[1] ?? null,
      evidence: [
        {
          field: 'commands.start',
          file: 'Package.swift',
          line: lineOf(text, `name: "${name}"`),
          reason: `the executable target ${name} is built to .build/release/${name}`,
        },
      ],
    });
  },
};

/** Zig: `zig build` installs each executable of build.zig under zig-out/bin. */
const ZIG: Language = {
  language: 'zig',
  manifests: ['build.zig'],
  sources: /\.zig$/,
  tests: /(^|\/)tests?\//,
  rules: {
    dialect: 'go',
    env: [new RegExp(`getenv\\(\\s*"${envName}"`, 'g'), new RegExp(`getEnvVarOwned\\([^,]+,\\s*"${envName}"`, 'g')],
    portEnv: /(?:getenv|getEnvVarOwned\([^,]+,)\s*\(?\s*"PORT"/,
    ports: [[/\b(?:parseIp\d?|resolveIp|initIp4)\([^,]+,\s*(\d{2,5})\s*\)/, 'listens on this literal port']],
  },
  async plan(_tree, _manifest, text) {
    const name = /addExecutable\(\.\{[^}]*?\.name\s*=\s*"([\w-]+)"/s.exec(text)?.[1];
    if (!name || !NAME.test(name)) return noEntry('Zig', 'executable in build.zig');
    return plan({
      build: ['zig build -Doptimize=ReleaseSafe'],
      start: `./zig-out/bin/${name}`,
      evidence: [
        { field: 'commands.start', file: 'build.zig', line: lineOf(text, /addExecutable/), reason: `build.zig installs the executable ${name} to zig-out/bin` },
      ],
    });
  },
};

/** Haskell with Stack or Cabal: the package's executable, copied to bin/. */
const HASKELL: Language = {
  language: 'haskell',
  manifests: ['stack.yaml', 'cabal.project'],
  extension: '.cabal',
  sources: /\.hs$/,
  tests: /(^|\/)test\//,
  rules: {
    dialect: 'go',
    env: [new RegExp(`(?:getEnv|lookupEnv)\\s+"${envName}"`, 'g')],
    portEnv: /(?:getEnv|lookupEnv)\s+"PORT"/,
    ports: [[/\b(?:scotty|run|runEnv|port)\s+(\d{2,5})\b/, 'listens on this literal port']],
  },
  async plan(tree, manifest) {
    const files = await tree.files(2000);
    const cabalFile = files.find((f) => !f.includes('/') && f.endsWith('.cabal'));
    const cabal = cabalFile ? ((await tree.read(cabalFile)) ?? '') : '';
    const packageYaml = (await tree.read('package.yaml')) ?? '';
    const fromCabal = /^executable\s+([\w-]+)/m.exec(cabal)?.[1];
    const fromYaml = /^executables:\s*\n\s+([\w-]+):/m.exec(packageYaml)?.[1];
    const name = fromCabal ?? fromYaml;
    if (!name || !NAME.test(name)) return noEntry('Haskell', 'executable in the .cabal file or package.yaml');
    const stack = manifest === 'stack.yaml';
    const deps = `${cabal}\n${packageYaml}`;
    const framework = /\bscotty\b/.test(deps) ? 'scotty' : /\bservant-server\b/.test(deps) ? 'servant' : /\byesod\b/.test(deps) ? 'yesod' : null;
    return plan({
      framework,
      packageManager: stack ? 'stack' : 'cabal',
      install: stack ? ['stack build --only-dependencies'] : ['cabal update', 'cabal build --only-dependencies'],
      build: stack ? ['stack install --local-bin-path bin'] : ['cabal install --installdir=bin --install-method=copy'],
      start: `./bin/${name}`,
      evidence: [
        {
          field: 'commands.start',
          file: fromCabal ? cabalFile! : 'package.yaml',
          line: fromCabal ? lineOf(cabal, /^executable\s/m) : lineOf(packageYaml, /^executables:/m),
          reason: `the executable ${name} is installed to bin/`,
        },
      ],
      defaultPort: framework === 'yesod' ? 3000 : null,
    });
  },
};

const LANGUAGES = [CLOJURE, SCALA, CRYSTAL, SWIFT, ZIG, HASKELL];

/**
 * Languages whose build tool makes one runnable artifact: a standalone jar (Clojure, Scala) or a
 * native binary (Crystal, Swift, Zig, Haskell). Their images carry the toolchain, so they build on
 * Cloud Run; the `local` target builds them where the host has the toolchain.
 */
export class CompiledLanguageDetector implements Detector {
  readonly name: string;

  constructor(private readonly spec: Language) {
    this.name = spec.language;
  }

  async matches(tree: SourceTree): Promise<boolean> {
    return (await this.manifest(tree)) !== null;
  }

  async detect(tree: SourceTree, appPath: string): Promise<ServiceReport> {
    const manifest = (await this.manifest(tree))!;
    const text = (await tree.read(manifest)) ?? '';
    const found = await this.spec.plan(tree, manifest, text);
    const files = await tree.files();
    const scan = await scanSources(tree, sourceFiles(files, this.spec.sources, this.spec.tests), this.spec.rules);
    const evidence: Evidence[] = [
      { field: 'language', file: manifest, reason: `${manifest} belongs to a ${this.spec.language} project` },
      ...found.evidence,
      ...scan.evidence,
    ];
    let port = scan.port;
    if (port === null && found.defaultPort !== null) {
      port = found.defaultPort;
      evidence.push({ field: 'port', file: manifest, reason: `${found.framework ?? this.spec.language} listens on ${port} by default` });
    }
    const portFromEnv = scan.portFromEnv || Boolean(found.portFromStart);
    if (found.portFromStart && !scan.portFromEnv) evidence.push({ field: 'portFromEnv', file: manifest, reason: 'the start command passes $PORT to the app' });
    if (found.framework && !evidence.some((e) => e.field === 'framework')) {
      evidence.push({ field: 'framework', file: manifest, reason: `the build depends on ${found.framework}` });
    }
    if (found.version) evidence.push({ field: 'runtime.version', file: manifest, reason: `the project asks for ${found.version}` });
    return {
      language: this.spec.language,
      framework: found.framework,
      runtime: { name: this.spec.language, version: found.version },
      packageManager: found.packageManager,
      commands: { install: found.install, build: found.build, start: found.start },
      port,
      portFromEnv,
      env: scan.env,
      appPath,
      evidence,
      confidence: clampConfidence(0.55 + (found.start ? 0.25 : 0) + (port !== null || portFromEnv ? 0.15 : 0)),
      warnings: found.warnings,
    };
  }

  private async manifest(tree: SourceTree): Promise<string | null> {
    for (const file of this.spec.manifests) if (await tree.exists(file)) return file;
    const { extension } = this.spec;
    return extension ? ((await tree.files(2000)).find((f) => !f.includes('/') && f.endsWith(extension)) ?? null) : null;
  }
}

export const COMPILED_LANGUAGE_DETECTORS: readonly Detector[] = LANGUAGES.map((spec) => new CompiledLanguageDetector(spec));
