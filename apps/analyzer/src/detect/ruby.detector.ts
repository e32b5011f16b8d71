import type { Evidence, ServiceReport } from '#contracts';
import type { Detector } from './detector.js';
import { acceptValue } from './manifest-values.js';
import { procfileWeb } from './procfile.js';
import { EnvCollector } from './env-vars.js';
import { lineOf, type SourceTree } from './source-tree.js';

/** Most specific first: a Rails or Hanami app may bundle sinatra too (for a mounted engine). */
const FRAMEWORKS: [gem: string, slug: string][] = [
  ['rails', 'rails'],
  ['railties', 'rails'],
  ['hanami', 'hanami'],
  ['sinatra', 'sinatra'],
  ['roda', 'roda'],
  ['padrino', 'padrino'],
  ['grape', 'grape'],
  ['cuba', 'cuba'],
];

const ENV_READ = /\bENV(?:\[\s*|\.fetch\(\s*)["']([A-Z_][A-Z0-9_]*)["']/g;
const ENV_PORT = /\bENV(?:\[\s*|\.fetch\(\s*)["']PORT["']/;
/** Set by the generated image or by Bundler itself, so not something the user has to provide. */
const IMAGE_ENV = new Set(['RAILS_ENV', 'RACK_ENV', 'RAILS_LOG_TO_STDOUT', 'RAILS_SERVE_STATIC_FILES', 'BUNDLE_GEMFILE']);
const SERVES =
  /^\s*require\s+["'](?:sinatra|webrick|rack|roda|puma)\b|\bSinatra::(?:Base|Application)\b|\bWEBrick::HTTPServer\b|\bTCPServer\.new\b|\bRack::(?:Server|Handler)\b|^\s*(?:get|post)\s+["']\//m;
const SOURCE_FILE = /(?:\.rb|^config\.ru|\/config\.ru)$/;
const TEST_FILE = /(?:^|\/)(?:spec|test)\//;
const PORT_IN_CODE: [RegExp, string][] = [
  [/\bENV\.fetch\(\s*["']PORT["']\s*(?:,\s*["']?(\d{2,5})|\)\s*\{\s*["']?(\d{2,5}))/, 'falls back to this port when PORT is unset'],
  [/\bENV\[\s*["']PORT["']\s*\]\s*(?:\|\||or)\s*["']?(\d{2,5})/, 'falls back to this port when PORT is unset'],
  [/^\s*port\s*\(?\s*(\d{2,5})\b/m, 'configures this port'],
  [/\bset\s*:port\s*,\s*(\d{2,5})\b/, 'configures this port'],
  [/\bTCPServer\.new\([^)]*?(\d{2,5})\s*\)/, 'listens on this literal port'],
];

interface Start {
  command: string | null;
  evidence: Evidence | null;
  port: number | null;
  portFromEnv: boolean;
  portEvidence: Evidence[];
}

export class RubyDetector implements Detector {
  readonly name = 'ruby';

  async matches(tree: SourceTree): Promise<boolean> {
    if (await tree.exists('config.ru')) return true;
    const gemfile = (await tree.read('Gemfile')) ?? (await tree.read('gems.rb'));
    if (gemfile === null) return false;
    // A Jekyll site is a static site built with Ruby; the static detector serves it.
    return !(/^\s*gem\s+["'](?:jekyll|github-pages)["']/m.test(gemfile) && (await tree.exists('_config.yml')));
  }

  async detect(tree: SourceTree, appPath: string): Promise<ServiceReport> {
    const evidence: Evidence[] = [];
    const warnings: string[] = [];
    // Bundler reads gems.rb / gems.locked as well as Gemfile / Gemfile.lock.
    const gemfileName = (await tree.exists('Gemfile')) ? 'Gemfile' : (await tree.exists('gems.rb')) ? 'gems.rb' : 'Gemfile';
    const lockName = gemfileName === 'gems.rb' ? 'gems.locked' : 'Gemfile.lock';
    const gemfile = (await tree.read(gemfileName)) ?? '';
    const hasGem = (gem: string) => new RegExp(`^\\s*gem\\s+["']${gem}["']`, 'm');
    const sources = (await tree.files()).filter((f) => SOURCE_FILE.test(f) && !TEST_FILE.test(f));

    const install: string[] = [];
    if (gemfile) {
      install.push(`bundle config set --local without 'development test'`, 'bundle install');
      const lock = await tree.exists(lockName);
      evidence.push({
        field: 'packageManager',
        file: lock ? lockName : gemfileName,
        reason: lock ? `${lockName} is bundler's lockfile` : `${gemfileName} lists the gems`,
      });
    } else {
      warnings.push('There is no Gemfile; only the standard library is available.');
    }

    let framework = FRAMEWORKS.find(([gem]) => hasGem(gem).test(gemfile)) ?? null;
    if (framework)
      evidence.push({ field: 'framework', file: gemfileName, line: lineOf(gemfile, hasGem(framework[0])), reason: `bundles the ${framework[0]} gem` });
    if (!framework && (await tree.exists('config.ru'))) {
      framework = ['rack', 'rack'];
      evidence.push({ field: 'framework', file: 'config.ru', line: 1, reason: 'config.ru makes it a Rack app' });
    }
    const slug = framework?.[1] ?? null;

    const build: string[] = [];
    if (slug === 'rails' && /^\s*gem\s+["'](?:sprockets-rails|propshaft|sprockets)["']/m.test(gemfile)) {
      build.push('bundle exec rake assets:precompile');
      evidence.push({
        field: 'commands.build',
        file: 'Gemfile',
        line: lineOf(gemfile, /gem\s+["'](?:sprockets-rails|propshaft|sprockets)["']/),
        reason: 'an asset pipeline is bundled',
      });
    }
    if (slug === 'rails') warnings.push('Database migrations are not run at start; run `bundle exec rails db:migrate` as a release step.');

    const start = await this.start(tree, slug, sources, gemfile, warnings);
    if (start.evidence) evidence.push(start.evidence);
    else warnings.push('No start command was found (no Procfile, config.ru or app.rb); add a Procfile with a web process.');
    evidence.push(...start.portEvidence);
    let portFromEnv = start.portFromEnv;
    if (!portFromEnv) {
      for (const file of sources.slice(0, 300)) {
        const text = await tree.read(file);
        if (text && ENV_PORT.test(text)) {
          portFromEnv = true;
          evidence.push({ field: 'portFromEnv', file, line: lineOf(text, ENV_PORT), reason: 'reads PORT from the environment' });
          break;
        }
      }
    }

    const version = await this.rubyVersion(tree, gemfile, evidence);
    const env = await this.envVars(tree, sources);
    let confidence = 0.5;
    if (start.command) confidence += 0.25;
    if (start.port !== null || portFromEnv) confidence += 0.15;
    if (gemfile) confidence += 0.1;

    return {
      language: 'ruby',
      framework: slug,
      runtime: { name: 'ruby', version },
      packageManager: gemfile ? 'bundler' : null,
      commands: { install, build, start: start.command },
      port: start.port,
      portFromEnv,
      env: env.values(),
      appPath,
      evidence: [...evidence, ...env.evidence()],
      confidence: Math.min(1, Number(confidence.toFixed(2))),
      warnings,
    };
  }

  private async start(tree: SourceTree, slug: string | null, sources: readonly string[], gemfile: string, warnings: string[]): Promise<Start> {
    const web = await procfileWeb(tree);
    if (web) {
      const { command } = web;
      const evidence: Evidence = { field: 'commands.start', file: 'Procfile', line: web.line, reason: 'the Procfile declares the web process' };
      const bound = this.portFromCommand(command, evidence);
      if (bound.port !== null) return { command, evidence, ...bound };
      // `bundle exec puma` and `ruby app.rb` bind what their config or code says.
      const file = /\bpuma\b/.test(command) ? 'config/puma.rb' : /\bruby\s+(?:--?[\w-]+\s+)*([\w./-]+\.rb)/.exec(command)?.[1];
      const fromCode = file ? await this.portFromCode(tree, file) : null;
      return { command, evidence, ...(fromCode ?? bound) };
    }

    if (slug === 'rails') {
      const binstub = await tree.exists('bin/rails');
      const command = `bundle exec ${binstub ? 'bin/rails' : 'rails'} server -b 0.0.0.0 -p \${PORT:-3000}`;
      const evidence: Evidence = {
        field: 'commands.start',
        file: 'Gemfile',
        line: lineOf(gemfile, /gem\s+["']rail/),
        reason: 'a Rails app is served by rails server',
      };
      return { command, evidence, ...this.portFromCommand(command, evidence) };
    }

    if (await tree.exists('config.ru')) {
      if ((await tree.exists('config/puma.rb')) && /^\s*gem\s+["']puma["']/m.test(gemfile)) {
        const evidence: Evidence = { field: 'commands.start', file: 'config/puma.rb', reason: 'config.ru is served by puma with config/puma.rb' };
        const fromCode = await this.portFromCode(tree, 'config/puma.rb');
        if (fromCode?.port != null) return { command: 'bundle exec puma', evidence, ...fromCode };
        // Puma's own default bind, when config/puma.rb names no port.
        const portEvidence: Evidence[] = [
          ...(fromCode?.portEvidence ?? []),
          { field: 'port', file: 'config/puma.rb', reason: 'puma listens on 9292 by default' },
        ];
        return { command: 'bundle exec puma', evidence, port: 9292, portFromEnv: fromCode?.portFromEnv ?? false, portEvidence };
      }
      const command = 'bundle exec rackup config.ru -o 0.0.0.0 -p ${PORT:-3000}';
      const evidence: Evidence = { field: 'commands.start', file: 'config.ru', line: 1, reason: 'config.ru is served by rackup' };
      return { command, evidence, ...this.portFromCommand(command, evidence) };
    }

    const entry = ['app.rb', 'main.rb', 'server.rb', 'web.rb'].find((f) => sources.includes(f)) ?? (await this.serverFile(tree, sources, warnings));
    if (!entry) return { command: null, evidence: null, port: null, portFromEnv: false, portEvidence: [] };
    const exec = gemfile ? 'bundle exec ' : '';
    if (slug === 'sinatra') {
      // A classic Sinatra app takes -o/-p itself and otherwise binds localhost only.
      const command = `${exec}ruby ${entry} -o 0.0.0.0 -p \${PORT:-4567}`;
      const evidence: Evidence = { field: 'commands.start', file: entry, reason: `${entry} is the Sinatra app file` };
      return { command, evidence, ...this.portFromCommand(command, evidence) };
    }
    const evidence: Evidence = { field: 'commands.start', file: entry, reason: `${entry} is the conventional entry file` };
    const fromCode = await this.portFromCode(tree, entry);
    return { command: `${exec}ruby ${entry}`, evidence, ...(fromCode ?? { port: null, portFromEnv: false, portEvidence: [] }) };
  }

  /** With no conventional name, the Ruby file at the root that serves: a Sinatra app, a Rack or WEBrick server. */
  private async serverFile(tree: SourceTree, sources: readonly string[], warnings: string[]): Promise<string | undefined> {
    const serving: string[] = [];
    // The file name becomes an argument of `ruby`: a plain relative path, or it is refused.
    const candidates = sources.filter((f) => !f.includes('/') && f.endsWith('.rb') && f !== 'gems.rb' && acceptValue('repo-path', f, f, warnings));
    for (const file of candidates.slice(0, 20)) {
      const text = await tree.read(file);
      if (text && SERVES.test(text)) serving.push(file);
    }
    // Several (myapp.rb and a variant of it): the shortest name is the main one.
    return serving.sort((a, b) => a.length - b.length || a.localeCompare(b))[0];
  }

  private portFromCommand(command: string, start: Evidence): Omit<Start, 'command' | 'evidence'> {
    const fallback = /\$\{PORT:-(\d{2,5})\}/.exec(command);
    const literal = fallback ?? /(?:-p|--port)\s+(\d{2,5})\b/.exec(command);
    const port = literal ? Number(literal[1]) : null;
    const portFromEnv = /\$\{?PORT\b/.test(command);
    const portEvidence: Evidence[] =
      port !== null || portFromEnv
        ? [
            {
              field: port !== null ? 'port' : 'portFromEnv',
              file: start.file,
              line: start.line,
              reason: `the start command binds ${fallback?.[0] ?? literal?.[0] ?? '$PORT'}`,
            },
          ]
        : [];
    return { port, portFromEnv, portEvidence };
  }

  private async portFromCode(tree: SourceTree, file: string): Promise<Omit<Start, 'command' | 'evidence'> | null> {
    const text = await tree.read(file);
    if (!text) return null;
    const portEvidence: Evidence[] = [];
    const portFromEnv = ENV_PORT.test(text);
    if (portFromEnv) portEvidence.push({ field: 'portFromEnv', file, line: lineOf(text, ENV_PORT), reason: 'reads PORT from the environment' });
    for (const [pattern, reason] of PORT_IN_CODE) {
      const match = pattern.exec(text);
      const port = match ? Number(match[1] ?? match[2]) : NaN;
      if (match && port > 0 && port < 65536) {
        portEvidence.push({ field: 'port', file, line: lineOf(text, match[0]), reason });
        return { port, portFromEnv, portEvidence };
      }
    }
    return { port: null, portFromEnv, portEvidence };
  }

  private async rubyVersion(tree: SourceTree, gemfile: string, evidence: Evidence[]): Promise<string | null> {
    const pinned = (await tree.read('.ruby-version'))?.trim();
    const fromPin = pinned ? /^(?:ruby-)?(\d+\.\d+(?:\.\d+)?)/.exec(pinned)?.[1] : undefined;
    if (pinned && fromPin) {
      evidence.push({ field: 'runtime.version', file: '.ruby-version', line: 1, reason: `.ruby-version says ${pinned}` });
      return fromPin;
    }
    const declared = /^\s*ruby\s+["'](?:[~>=<\s]*)(\d+\.\d+(?:\.\d+)?)["']/m.exec(gemfile);
    if (declared) {
      evidence.push({
        field: 'runtime.version',
        file: 'Gemfile',
        line: lineOf(gemfile, declared[0].trim()),
        reason: `the Gemfile asks for ruby ${declared[1]}`,
      });
      return declared[1]!;
    }
    const lock = await tree.read('Gemfile.lock');
    const locked = lock ? /^RUBY VERSION\s*\n\s*ruby (\d+\.\d+(?:\.\d+)?)/m.exec(lock) : null;
    if (lock && locked) {
      evidence.push({
        field: 'runtime.version',
        file: 'Gemfile.lock',
        line: lineOf(lock, 'RUBY VERSION'),
        reason: `Gemfile.lock was resolved with ruby ${locked[1]}`,
      });
      return locked[1]!;
    }
    return null;
  }

  private async envVars(tree: SourceTree, sources: readonly string[]): Promise<EnvCollector> {
    const env = new EnvCollector('ruby');
    for (const file of sources.slice(0, 300)) {
      const text = await tree.read(file);
      if (!text) continue;
      for (const match of text.matchAll(ENV_READ)) if (!IMAGE_ENV.has(match[1]!)) env.add(match[1]!, file, text, match);
    }
    return env;
  }
}
