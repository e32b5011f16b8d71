import type { Evidence, ServiceReport } from '#contracts';
import type { Detector } from './detector.js';
import { acceptValue } from './manifest-values.js';
import { procfileWeb } from './procfile.js';
import { EnvCollector } from './env-vars.js';
import { lineOf, type SourceTree } from './source-tree.js';

interface ComposerJson {
  require?: Record<string, string>;
  'require-dev'?: Record<string, string>;
  config?: { platform?: { php?: string } };
}

interface PackageJson {
  scripts?: Record<string, string>;
}

/** Most specific first: Laravel and Symfony apps both pull in symfony/* components. */
const FRAMEWORKS: [dependency: string, slug: string][] = [
  ['laravel/framework', 'laravel'],
  ['symfony/framework-bundle', 'symfony'],
  ['slim/slim', 'slim'],
  ['laminas/laminas-mvc', 'laminas'],
  ['cakephp/cakephp', 'cakephp'],
  ['codeigniter4/framework', 'codeigniter'],
  ['laravel/lumen-framework', 'lumen'],
  ['yiisoft/yii2', 'yii'],
  ['drupal/core', 'drupal'],
  ['drupal/core-recommended', 'drupal'],
  ['johnpbloch/wordpress', 'wordpress'],
  ['roots/wordpress', 'wordpress'],
  ['mezzio/mezzio', 'mezzio'],
  ['silverstripe/framework', 'silverstripe'],
];

const ENV_READ = /(?:\bgetenv\(\s*|\$_ENV\[\s*|\$_SERVER\[\s*|\benv\(\s*)["']([A-Z_][A-Z0-9_]*)["']/g;
/** Server variables PHP fills in itself; not configuration the user provides. */
const SERVER_VARS = new Set([
  'REQUEST_METHOD',
  'REQUEST_URI',
  'HTTP_HOST',
  'SERVER_NAME',
  'SERVER_PORT',
  'DOCUMENT_ROOT',
  'SCRIPT_NAME',
  'PHP_SELF',
  'REMOTE_ADDR',
  'HTTPS',
  'QUERY_STRING',
]);
const SOURCE_DIRS = /^(?:app|config|routes|bootstrap|public|src|lib|includes)\/|^[^/]+\.php$/;
/** FrankenPHP serves the document root itself; the fallback is Cloud Run's own default. */
const PORT = 8080;

export class PhpDetector implements Detector {
  readonly name = 'php';

  async matches(tree: SourceTree): Promise<boolean> {
    return (await tree.exists('composer.json')) || (await tree.exists('index.php'));
  }

  async detect(tree: SourceTree, appPath: string): Promise<ServiceReport> {
    const evidence: Evidence[] = [];
    const warnings: string[] = [];
    const composer = await tree.readJson<ComposerJson>('composer.json');
    const composerText = (await tree.read('composer.json')) ?? '';
    const require = { ...composer?.['require-dev'], ...composer?.require };

    const install: string[] = [];
    if (composer) {
      install.push('composer install --no-dev --optimize-autoloader --no-interaction --prefer-dist');
      const lock = await tree.exists('composer.lock');
      evidence.push({
        field: 'packageManager',
        file: lock ? 'composer.lock' : 'composer.json',
        reason: lock ? "composer.lock is composer's lockfile" : 'composer.json lists the dependencies',
      });
      if (!lock) warnings.push('There is no composer.lock; dependency versions will float between builds.');
    } else if (await tree.exists('composer.json')) {
      warnings.push('composer.json could not be parsed as JSON.');
    }

    const found = FRAMEWORKS.find(([dependency]) => dependency in require);
    let slug = found?.[1] ?? null;
    if (found) evidence.push({ field: 'framework', file: 'composer.json', line: lineOf(composerText, `"${found[0]}"`), reason: `requires ${found[0]}` });
    if (!slug && (await tree.exists('artisan'))) {
      slug = 'laravel';
      evidence.push({ field: 'framework', file: 'artisan', line: 1, reason: 'the artisan console is Laravel' });
    }
    // A WordPress install checked in as it is (no Composer): wp-config.php or its sample beside wp-load.php.
    if (!slug && (await tree.exists('wp-load.php')) && ((await tree.exists('wp-config.php')) || (await tree.exists('wp-config-sample.php')))) {
      slug = 'wordpress';
      evidence.push({ field: 'framework', file: 'wp-load.php', line: 1, reason: 'wp-load.php is WordPress' });
    }

    const build = await this.assetBuild(tree, slug, evidence);
    if (slug === 'laravel') {
      warnings.push('Set APP_KEY (php artisan key:generate --show) and run `php artisan migrate --force` as a release step.');
    }

    const docroot = await this.documentRoot(tree, slug, evidence, warnings);
    const front = docroot === '.' ? 'index.php' : `${docroot}/index.php`;
    const start = `frankenphp php-server --listen 0.0.0.0:\${PORT:-${PORT}} --root ${docroot === '.' ? './' : `${docroot}/`}`;
    const frontExists = await tree.exists(front);
    if (!frontExists) warnings.push(`${front} was not found; the web server may have nothing to serve.`);
    evidence.push({
      field: 'commands.start',
      file: frontExists ? front : composer ? 'composer.json' : '.',
      reason: `FrankenPHP serves ${docroot === '.' ? 'the app folder' : `${docroot}/`} with ${front} as the front controller`,
    });
    evidence.push({ field: 'port', file: frontExists ? front : '.', reason: `the start command binds \${PORT:-${PORT}}` });

    const version = this.phpVersion(composer, composerText, evidence);
    const env = await this.envVars(tree);
    let confidence = 0.6;
    if (frontExists) confidence += 0.2;
    if (composer) confidence += 0.1;
    if (slug) confidence += 0.1;

    return {
      language: 'php',
      framework: slug,
      runtime: { name: 'php', version },
      packageManager: composer ? 'composer' : null,
      commands: { install, build, start },
      port: PORT,
      portFromEnv: true,
      env: env.values(),
      appPath,
      evidence: [...evidence, ...env.evidence()],
      confidence: Math.min(1, Number(confidence.toFixed(2))),
      warnings,
    };
  }

  /** Laravel and Symfony apps often build front-end assets with Vite or Encore. */
  private async assetBuild(tree: SourceTree, slug: string | null, evidence: Evidence[]): Promise<string[]> {
    if (!slug) return [];
    const pkg = await tree.readJson<PackageJson>('package.json');
    if (!pkg?.scripts?.build) return [];
    const pkgText = (await tree.read('package.json')) ?? '';
    evidence.push({ field: 'commands.build', file: 'package.json', line: lineOf(pkgText, '"build"'), reason: `scripts.build is "${pkg.scripts.build}"` });
    return [(await tree.exists('package-lock.json')) ? 'npm ci' : 'npm install', 'npm run build'];
  }

  private phpVersion(composer: ComposerJson | null, composerText: string, evidence: Evidence[]): string | null {
    const platform = composer?.config?.platform?.php;
    const constraint = platform ?? composer?.require?.php;
    const version = constraint ? /(\d+\.\d+)/.exec(constraint)?.[1] : undefined;
    if (!constraint || !version) return null;
    const what = platform ? 'config.platform.php' : 'require.php';
    evidence.push({ field: 'runtime.version', file: 'composer.json', line: lineOf(composerText, /"php"\s*:/), reason: `${what} is "${constraint}"` });
    return version;
  }

  /**
   * The folder the web server serves: the one a Heroku Procfile hands `heroku-php-apache2`/`-nginx`,
   * `public/` for the frameworks that use it, else the first conventional folder with an index.php.
   */
  private async documentRoot(tree: SourceTree, slug: string | null, evidence: Evidence[], warnings: string[]): Promise<string> {
    const web = await procfileWeb(tree);
    const named = web ? /^(?:vendor\/bin\/)?heroku-php-(?:apache2|nginx)\b(?:\s+-\S+(?:\s+\S+)?)*?\s+([\w./-]+)\/?\s*$/.exec(web.command)?.[1] : undefined;
    if (web && named && (await tree.exists(named)) && acceptValue('repo-path', named.replace(/^\.\//, '').replace(/\/$/, '') || '.', 'Procfile', warnings)) {
      evidence.push({ field: 'commands.start', file: 'Procfile', line: web.line, reason: `the Procfile serves ${named}/ as the document root` });
      return named.replace(/^\.\//, '').replace(/\/$/, '') || '.';
    }
    if (slug === 'laravel' || slug === 'lumen' || slug === 'symfony' || slug === 'slim' || slug === 'cakephp' || slug === 'mezzio') return 'public';
    for (const dir of ['public', 'web', 'htdocs', 'www']) if (await tree.exists(`${dir}/index.php`)) return dir;
    return '.';
  }

  private async envVars(tree: SourceTree): Promise<EnvCollector> {
    const env = new EnvCollector('php');
    const files = (await tree.files()).filter((f) => f.endsWith('.php') && SOURCE_DIRS.test(f) && !/(?:^|\/)tests?\//.test(f));
    for (const file of files.slice(0, 300)) {
      const text = await tree.read(file);
      if (!text) continue;
      for (const match of text.matchAll(ENV_READ)) if (!SERVER_VARS.has(match[1]!)) env.add(match[1]!, file, text, match);
    }
    return env;
  }
}
