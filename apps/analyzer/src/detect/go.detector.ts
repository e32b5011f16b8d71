import type { Evidence, ServiceReport } from '#contracts';
import type { Detector } from './detector.js';
import { acceptValue } from './manifest-values.js';
import { clampConfidence, scanSources, sourceFiles, type ScanRules } from './pattern-scan.js';
import { lineOf, type SourceTree } from './source-tree.js';

/** Module path prefix in go.mod's require block, and the framework slug. */
const FRAMEWORKS: [module: string, slug: string][] = [
  ['github.com/gin-gonic/gin', 'gin'],
  ['github.com/labstack/echo', 'echo'],
  ['github.com/gofiber/fiber', 'fiber'],
  ['github.com/go-chi/chi', 'chi'],
  ['github.com/gorilla/mux', 'gorilla-mux'],
  ['github.com/gobuffalo/buffalo', 'buffalo'],
  ['github.com/beego/beego', 'beego'],
  ['github.com/kataras/iris', 'iris'],
  ['github.com/cloudwego/hertz', 'hertz'],
  ['github.com/zeromicro/go-zero', 'go-zero'],
  ['github.com/go-kratos/kratos', 'kratos'],
  ['github.com/revel/revel', 'revel'],
];

const RULES: ScanRules = {
  dialect: 'go',
  env: [/os\.(?:Getenv|LookupEnv)\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\)/g],
  portEnv: /os\.(?:Getenv|LookupEnv)\(\s*"PORT"\s*\)/,
  ports: [
    [/\b(?:Listen|ListenAndServe|ListenAndServeTLS|Run|Start)\(\s*"[\w.-]*:(\d{2,5})"/, 'listens on this literal address'],
    [/\bAddr\s*:\s*"[\w.-]*:(\d{2,5})"/, 'serves on this literal address'],
    [/\bport\s*(?::=|=)\s*"(\d{2,5})"/i, 'falls back to this port when PORT is unset'],
    [/"(?:0\.0\.0\.0|localhost|127\.0\.0\.1)?:(\d{2,5})"/, 'uses this literal address'],
  ],
};

interface MainPackage {
  dir: string;
  file: string;
  reason: string;
}

export class GoDetector implements Detector {
  readonly name = 'go';

  async matches(tree: SourceTree): Promise<boolean> {
    // A lone main.go (no module file) is still a Go program: `go build` works on it.
    return (await tree.exists('go.mod')) || (await tree.exists('go.work')) || (await tree.exists('main.go'));
  }

  async detect(tree: SourceTree, appPath: string): Promise<ServiceReport> {
    const evidence: Evidence[] = [];
    const warnings: string[] = [];
    const goMod = (await tree.read('go.mod')) ?? '';
    const goWork = await tree.read('go.work');
    const module = /^module\s+(\S+)/m.exec(goMod)?.[1] ?? null;
    evidence.push({
      field: 'packageManager',
      file: goMod ? 'go.mod' : goWork ? 'go.work' : 'main.go',
      line: 1,
      reason: goMod ? 'go.mod declares a Go module' : goWork ? 'go.work declares a Go workspace' : 'main.go with no go.mod: built as a single-file program',
    });

    const files = await tree.files();
    const found = await this.mainPackage(tree, files, module, appPath, goWork, warnings);
    // The folder becomes an argument of `go build`: only a Go package path is let through.
    const main = found && (found.dir === '.' || acceptValue('go-package-dir', found.dir, found.file, warnings)) ? found : null;
    let build: string[] = [];
    let start: string | null = null;
    if (main) {
      const target = main.dir === '.' ? '.' : `./${main.dir}`;
      build = [`go build -o out ${target}`];
      start = './out';
      evidence.push({ field: 'commands.build', file: main.file, reason: main.reason });
      evidence.push({ field: 'commands.start', file: main.file, reason: 'runs the binary built from this main package' });
    } else if (!found) {
      warnings.push('No main package was found (main.go or cmd/<name>/main.go); there is nothing to run.');
    }

    const modules = [{ file: 'go.mod', text: goMod }, ...(await this.workspaceModules(tree, goWork))];
    const framework = FRAMEWORKS.map(([path, slug]) => ({ path, slug, module: modules.find((m) => m.text.includes(path)) })).find((f) => f.module);
    if (framework?.module) {
      const { file, text } = framework.module;
      evidence.push({ field: 'framework', file, line: lineOf(text, framework.path), reason: `requires ${framework.path}` });
    }

    const sources = sourceFiles(files, /\.go$/, /_test\.go$/);
    const ordered = main ? [main.file, ...sources] : sources;
    const scan = await scanSources(tree, ordered, RULES);
    evidence.push(...scan.evidence);
    let { port, portFromEnv } = scan;
    if (framework?.slug === 'gin' && main) {
      // gin's Run() with no address reads PORT and falls back to :8080.
      const text = (await tree.read(main.file)) ?? '';
      const bare = /\.Run\(\s*\)/;
      if (bare.test(text)) {
        evidence.push({ field: 'portFromEnv', file: main.file, line: lineOf(text, bare), reason: "gin's Run() without an address reads PORT" });
        portFromEnv = true;
        if (port === null) {
          port = 8080;
          evidence.push({ field: 'port', file: main.file, line: lineOf(text, bare), reason: "gin's Run() defaults to :8080" });
        }
      }
    }
    if (portFromEnv && port === null) {
      port = 8080;
      evidence.push({ field: 'port', file: 'go.mod', reason: 'reads PORT without a literal fallback; 8080 is assumed' });
      warnings.push('The app reads PORT with no fallback port; ServerGem sets PORT=8080.');
    }

    const version = this.goVersion(goMod || goWork || '', goMod ? 'go.mod' : 'go.work', evidence);
    let confidence = 0.6;
    if (start) confidence += 0.25;
    if (port !== null) confidence += 0.1;
    if (version) confidence += 0.05;

    return {
      language: 'go',
      framework: framework?.slug ?? null,
      runtime: { name: 'go', version },
      packageManager: 'go',
      commands: { install: ['go mod download'], build, start },
      port,
      portFromEnv,
      env: scan.env,
      appPath,
      evidence,
      confidence: clampConfidence(confidence),
      warnings,
    };
  }

  private goVersion(text: string, file: string, evidence: Evidence[]): string | null {
    const toolchain = /^toolchain\s+go(\d+\.\d+(?:\.\d+)?)/m.exec(text);
    const directive = /^go\s+(\d+\.\d+(?:\.\d+)?)/m.exec(text);
    const found = toolchain ?? directive;
    if (!found) return null;
    evidence.push({ field: 'runtime.version', file, line: lineOf(text, found[0]), reason: `${file} says "${found[0]}"` });
    return found[1]!;
  }

  /** The root package, else one under cmd/, else a go.work member with a main package, else the one main package there is. */
  private async mainPackage(
    tree: SourceTree,
    files: string[],
    module: string | null,
    appPath: string,
    goWork: string | null,
    warnings: string[],
  ): Promise<MainPackage | null> {
    const root = await this.mainFileIn(tree, files, '.');
    if (root) return { dir: '.', file: root, reason: `${root} is package main at the module root` };

    const cmdDirs = [...new Set(files.filter((f) => /^cmd\/[^/]+\/[^/]+\.go$/.test(f)).map((f) => f.split('/').slice(0, 2).join('/')))];
    const mains: MainPackage[] = [];
    for (const dir of cmdDirs) {
      const file = await this.mainFileIn(tree, files, dir);
      if (file) mains.push({ dir, file, reason: `${file} is package main under cmd/` });
    }
    if (mains.length === 0) {
      const file = await this.mainFileIn(tree, files, 'cmd');
      if (file) return { dir: 'cmd', file, reason: `${file} is package main` };
    }
    if (mains.length === 1) return mains[0]!;
    if (mains.length > 1) {
      const names = [module?.split('/').pop(), appPath === '.' ? undefined : appPath.split('/').pop(), 'server', 'api', 'web', 'app'];
      const pick = names.map((n) => mains.find((m) => m.dir === `cmd/${n}`)).find(Boolean) ?? mains[0]!;
      warnings.push(
        `Several commands under cmd/ (${mains.map((m) => m.dir).join(', ')}); building ${pick.dir}. Set appPath or a Dockerfile to choose another.`,
      );
      return { ...pick, reason: `${pick.file} is package main; chosen among ${mains.length} commands under cmd/` };
    }

    for (const use of this.workspaceUses(goWork)) {
      const file = await this.mainFileIn(tree, files, use);
      if (file) return { dir: use, file, reason: `${file} is package main in go.work member ${use}` };
    }

    // No conventional place: a main package in any folder of the module (vendor and testdata aside).
    const dirs = [...new Set(files.filter((f) => f.endsWith('.go') && f.includes('/')).map((f) => f.slice(0, f.lastIndexOf('/'))))]
      .filter((d) => !/(^|\/)(vendor|testdata|internal|examples?)(\/|$)/.test(d) && d.split('/').length <= 3)
      .slice(0, 40);
    const others: MainPackage[] = [];
    for (const dir of dirs) {
      const file = await this.mainFileIn(tree, files, dir);
      if (file) others.push({ dir, file, reason: `${file} is the module's package main` });
    }
    if (others.length === 0) return null;
    const names = ['server', 'api', 'web', 'app', 'main', module?.split('/').pop()];
    const pick = names.map((n) => others.find((m) => m.dir.split('/').pop() === n)).find(Boolean) ?? others[0]!;
    if (others.length > 1) {
      warnings.push(`Several main packages (${others.map((m) => m.dir).join(', ')}); building ${pick.dir}. Set appPath or a Dockerfile to choose another.`);
    }
    return pick;
  }

  private async mainFileIn(tree: SourceTree, files: string[], dir: string): Promise<string | null> {
    const prefix = dir === '.' ? '' : `${dir}/`;
    const candidates = files.filter((f) => f.startsWith(prefix) && !f.slice(prefix.length).includes('/') && /\.go$/.test(f) && !/_test\.go$/.test(f));
    candidates.sort((a, b) => Number(b.endsWith('/main.go') || b === 'main.go') - Number(a.endsWith('/main.go') || a === 'main.go'));
    for (const file of candidates) {
      const text = await tree.read(file);
      if (text && /^package\s+main\b/m.test(text) && /\bfunc\s+main\s*\(\s*\)/.test(text)) return file;
    }
    return null;
  }

  private workspaceUses(goWork: string | null): string[] {
    if (!goWork) return [];
    const block = /^use\s*\(([\s\S]*?)\)/m.exec(goWork)?.[1] ?? /^use\s+(\S+)/m.exec(goWork)?.[1] ?? '';
    return block
      .split('\n')
      .map((l) => l.replace(/\/\/.*$/, '').trim())
      .filter(Boolean)
      .map((l) => l.replace(/^\.\//, '').replace(/\/$/, ''))
      .filter((l) => l !== '.' && !l.startsWith('..'));
  }

  private async workspaceModules(tree: SourceTree, goWork: string | null): Promise<{ file: string; text: string }[]> {
    const modules: { file: string; text: string }[] = [];
    for (const use of this.workspaceUses(goWork)) {
      const text = await tree.read(`${use}/go.mod`);
      if (text) modules.push({ file: `${use}/go.mod`, text });
    }
    return modules;
  }
}
