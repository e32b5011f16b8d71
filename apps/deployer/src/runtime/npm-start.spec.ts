import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { npmStartScript } from './npm-start.js';

describe(npmStartScript.name, () => {
  let release: string;
  let app: string;
  const pkg = (value: object) => writeFileSync(join(app, 'package.json'), JSON.stringify(value));

  beforeEach(() => {
    release = mkdtempSync(join(tmpdir(), 'npm-start-'));
    app = join(release, 'services', 'api');
    mkdirSync(app, { recursive: true });
  });
  afterEach(() => rmSync(release, { recursive: true, force: true }));

  it('runs the start script as npm would: node_modules/.bin of the app and the folders above it first, npm_* variables', () => {
    pkg({ name: 'api', version: '1.2.3', scripts: { start: 'node src/index.js', build: 'tsc' } });
    for (const command of ['npm start', 'npm run start', '  npm run-script start ']) {
      expect(npmStartScript(command, app, release)).toEqual({
        command: 'node src/index.js',
        binPath: [join(app, 'node_modules/.bin'), join(release, 'services/node_modules/.bin'), join(release, 'node_modules/.bin')],
        env: {
          npm_lifecycle_event: 'start',
          npm_lifecycle_script: 'node src/index.js',
          npm_package_json: join(app, 'package.json'),
          npm_package_name: 'api',
          npm_package_version: '1.2.3',
          INIT_CWD: app,
        },
      });
    }
  });

  it('leaves it to npm whenever npm would do more than run the script', () => {
    pkg({ scripts: { prestart: 'node migrate.js', start: 'node server.js' } });
    expect(npmStartScript('npm start', app, release)).toBeNull();
    pkg({ scripts: { start: 'node server.js', poststart: 'echo done' } });
    expect(npmStartScript('npm start', app, release)).toBeNull();
    pkg({ config: { port: 8080 }, scripts: { start: 'node server.js' } });
    expect(npmStartScript('npm start', app, release)).toBeNull();
    // No start script: npm runs `node server.js` of its own accord.
    pkg({ scripts: { build: 'tsc' } });
    expect(npmStartScript('npm start', app, release)).toBeNull();
    pkg({ scripts: { start: 'node server.js' } });
    writeFileSync(join(release, '.npmrc'), 'node-options=--max-old-space-size=256\n');
    expect(npmStartScript('npm start', app, release)).toBeNull();
  });

  it('is only for `npm start`: other commands, and a package.json that does not parse, run as they are', () => {
    pkg({ scripts: { start: 'node server.js', serve: 'node server.js' } });
    for (const command of ['yarn start', 'pnpm start', 'npm run serve', 'node server.js', 'npm start -- --port 3000']) {
      expect(npmStartScript(command, app, release)).toBeNull();
    }
    writeFileSync(join(app, 'package.json'), '{ not json');
    expect(npmStartScript('npm start', app, release)).toBeNull();
  });
});
