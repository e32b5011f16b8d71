import { afterEach, describe, expect, it } from 'vitest';
import { tempApps } from '#testing';
import { analyzeSource } from './analyze.js';
import { PhpDetector } from './php.detector.js';

const { app, cleanup } = tempApps('servergem-php-');
afterEach(cleanup);

describe(PhpDetector.name, () => {
  it('claims a Laravel app with a package.json and prefers config.platform.php for the version', async () => {
    const sut = await analyzeSource(
      app({
        'composer.json': JSON.stringify({ require: { php: '^8.1', 'laravel/framework': '^11.0' }, config: { platform: { php: '8.3.4' } } }),
        artisan: '#!/usr/bin/env php\n<?php\n',
        'public/index.php': '<?php\n',
        'package.json': '{"scripts":{"dev":"vite"}}',
      }),
    );
    expect(sut).toMatchObject({ language: 'php', framework: 'laravel', runtime: { version: '8.3' }, commands: { build: [] } });
    expect(sut.warnings.join('\n')).toMatch(/APP_KEY/);
  });

  it('warns about an unparseable composer.json and a missing front controller', async () => {
    const sut = await analyzeSource(app({ 'composer.json': '{ nope' }));
    expect(sut).toMatchObject({ language: 'php', packageManager: null, commands: { install: [] } });
    expect(sut.warnings.join('\n')).toMatch(/could not be parsed/);
    expect(sut.warnings.join('\n')).toMatch(/index\.php was not found/);
  });

  it('skips the server variables PHP fills in itself', async () => {
    const sut = await analyzeSource(app({ 'index.php': "<?php\necho $_SERVER['REQUEST_URI'] . $_ENV['STRIPE_KEY'] . getenv(\"REGION\");\n" }));
    expect(sut.env).toEqual([
      { name: 'STRIPE_KEY', kind: 'secret', source: 'index.php:2', required: true },
      { name: 'REGION', kind: 'runtime', source: 'index.php:2', required: false },
    ]);
  });
});
