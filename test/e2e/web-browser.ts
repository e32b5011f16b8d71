import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');

/** Debian's Chromium; tests that drive a browser skip where it is not installed. */
export const CHROMIUM = '/usr/bin/chromium';
/** Where the browser tests leave their screenshots (gitignored). */
export const SCREENSHOTS = join(root, 'test-results/web-ui');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Chromium with a fresh profile folder, never a downloaded browser. */
export function launchChromium(profile: string, options: { viewport?: { width: number; height: number } } = {}): Promise<BrowserContext> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, ...options });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** The page under test is the built UI the gateway serves; build it when its sources are newer. */
export function buildWebUi(): void {
  const web = join(root, 'apps/web');
  const index = join(web, 'dist/index.html');
  const sources = Math.max(newestMtime(join(web, 'src')), newestMtime(join(root, 'libs/contracts/src')), statSync(join(web, 'index.html')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(web, 'vite.config.ts'), '--logLevel', 'warn'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stderr}`);
}
