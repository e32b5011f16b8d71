import type { Evidence, ServiceReport } from '#contracts';
import type { Detector } from './detector.js';
import { acceptValue } from './manifest-values.js';
import { lineOf, type SourceTree } from './source-tree.js';

/** Ruby site generators: the gem, our slug, the build, and the folder it writes. */
const RUBY_GENERATORS: [gem: string, framework: string, build: string, staticDir: string][] = [
  ['middleman', 'middleman', 'bundle exec middleman build', 'build'],
  ['bridgetown', 'bridgetown', 'bundle exec bridgetown build', 'output'],
  ['nanoc', 'nanoc', 'bundle exec nanoc compile', 'output'],
];
/** Generators of other languages, known by their config file. */
const OTHER_GENERATORS: [config: string, framework: string, runtime: string, build: string, staticDir: string][] = [
  ['mkdocs.yml', 'mkdocs', 'python', 'mkdocs build', 'site'],
  ['config.toml', 'zola', 'zola', 'zola build', 'public'],
  ['book.toml', 'mdbook', 'mdbook', 'mdbook build', 'book'],
];
const HUGO_CONFIGS = ['hugo.toml', 'hugo.yaml', 'hugo.json', 'config.toml', 'config.yaml'];

/**
 * Static sites, served as files by a small static server. Site generators (Hugo, Jekyll) and a
 * Staticfile are strong signals and are asked first; plain HTML only once no language claimed the
 * repository.
 */
export class StaticDetector implements Detector {
  readonly name: string;

  constructor(private readonly which: 'generators' | 'plain-html') {
    this.name = `static:${which}`;
  }

  async matches(tree: SourceTree): Promise<boolean> {
    return (await this.kind(tree)) !== null;
  }

  async detect(tree: SourceTree, appPath: string): Promise<ServiceReport> {
    const kind = (await this.kind(tree))!;
    const evidence: Evidence[] = [{ field: 'framework', file: kind.file, reason: kind.reason }, ...kind.evidence];
    evidence.push({ field: 'port', file: kind.file, reason: "served by ServerGem's static server on $PORT (8080 by default)" });
    return {
      language: 'static',
      framework: kind.framework,
      runtime: { name: kind.runtime, version: null },
      packageManager: kind.packageManager,
      commands: { install: kind.install, build: kind.build, start: null },
      port: 8080,
      portFromEnv: true,
      env: [],
      appPath,
      staticDir: kind.staticDir,
      evidence,
      confidence: 0.9,
      warnings: 'warnings' in kind && kind.warnings ? kind.warnings : [],
    };
  }

  private async kind(tree: SourceTree) {
    if (this.which === 'plain-html') return this.plain(tree);
    for (const file of HUGO_CONFIGS) {
      const text = await tree.read(file);
      if (text !== null && (/baseURL|baseurl/.test(text) || file.startsWith('hugo.')) && ((await tree.exists('content')) || (await tree.exists('layouts')))) {
        return {
          framework: 'hugo',
          runtime: 'hugo',
          file,
          reason: `${file} configures Hugo`,
          packageManager: null,
          install: [],
          build: ['hugo --minify'],
          staticDir: 'public',
          evidence: [],
        };
      }
    }
    const gemfile = await tree.read('Gemfile');
    if ((await tree.exists('_config.yml')) && gemfile !== null && /['"]jekyll['"]|github-pages/.test(gemfile)) {
      return {
        framework: 'jekyll',
        runtime: 'ruby',
        file: 'Gemfile',
        reason: 'the Gemfile depends on jekyll',
        packageManager: 'bundler',
        install: ['bundle install'],
        build: ['bundle exec jekyll build'],
        staticDir: '_site',
        evidence: [{ field: 'packageManager', file: 'Gemfile', line: lineOf(gemfile, 'jekyll'), reason: 'Jekyll is installed with Bundler' }],
      };
    }
    for (const [gem, framework, build, staticDir] of RUBY_GENERATORS) {
      if (gemfile === null || !new RegExp(`^\\s*gem\\s+["']${gem}["']`, 'm').test(gemfile)) continue;
      return {
        framework,
        runtime: 'ruby',
        file: 'Gemfile',
        reason: `the Gemfile depends on ${gem}`,
        packageManager: 'bundler',
        install: ['bundle install'],
        build: [build],
        staticDir,
        evidence: [{ field: 'packageManager', file: 'Gemfile', line: lineOf(gemfile, gem), reason: `${framework} is installed with Bundler` }],
      };
    }
    for (const [config, framework, runtime, build, staticDir] of OTHER_GENERATORS) {
      const text = await tree.read(config);
      if (text === null || !(await tree.exists(config))) continue;
      if (framework === 'zola' && !/^base_url\s*=/m.test(text)) continue;
      if (framework === 'mkdocs' && !/^site_name\s*:/m.test(text)) continue;
      return {
        framework,
        runtime,
        file: config,
        reason: `${config} configures ${framework}`,
        packageManager: null,
        install: [],
        build: [build],
        staticDir,
        evidence: [],
      };
    }
    const staticfile = await tree.read('Staticfile');
    if (staticfile !== null) {
      const declared = /^root:\s*(\S+)/m.exec(staticfile)?.[1] ?? '.';
      // The folder becomes a path in the Dockerfile: a plain relative path, or nothing is served.
      const warnings: string[] = [];
      const root = acceptValue('repo-path', declared, 'Staticfile', warnings);
      return {
        warnings,
        framework: null,
        runtime: 'static',
        file: 'Staticfile',
        reason: `Staticfile serves ${declared}`,
        packageManager: null,
        install: [],
        build: [],
        staticDir: root,
        evidence: [],
      };
    }
    return null;
  }

  private async plain(tree: SourceTree) {
    for (const dir of ['.', 'public', 'dist', 'site', 'www']) {
      const index = dir === '.' ? 'index.html' : `${dir}/index.html`;
      if ((await tree.exists(index)) && !(await tree.exists('package.json'))) {
        return {
          framework: null,
          runtime: 'static',
          file: index,
          reason: `${index} with no build tooling`,
          packageManager: null,
          install: [],
          build: [],
          staticDir: dir,
          evidence: [],
        };
      }
    }
    return null;
  }
}
