import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGithub } from '#testing';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const root = resolve(import.meta.dirname, '../..');
const screenshots = join(root, 'test-results/web-ui');
const CHROMIUM = '/usr/bin/chromium';
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
const TOKEN = 'ghp_' + randomBytes(18).toString('hex');
const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 3600 * 1000).toISOString();

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** The page under test is the built UI the gateway serves; build it when its sources are newer. */
function buildWebUi(): void {
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

// The gateway's origin allowlist is built from the configured port, so the browser needs a real one.
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

describe.skipIf(!existsSync(CHROMIUM))('GitHub repository picker in Chromium, against the all-in-one server and a fake GitHub', () => {
  let fake: FakeGithub;
  let sut: AllInOne;
  let home: string;
  let profile: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    buildWebUi();
    mkdirSync(screenshots, { recursive: true });
    fake = await FakeGithub.start({
      token: TOKEN,
      repos: [
        {
          owner: 'octo',
          name: 'storefront',
          language: 'TypeScript',
          description: 'The shop <script>window.__pwned=1</script>',
          pushedAt: daysAgo(3),
          defaultBranch: 'trunk',
          branches: [
            { name: 'trunk', sha: 'a'.repeat(40) },
            { name: 'release-2', sha: 'b'.repeat(40) },
          ],
        },
        { owner: 'octo', name: 'payments-api', language: 'Go', private: true, description: 'Card payments service', pushedAt: daysAgo(9) },
        { owner: 'octo', name: 'docs', language: null, pushedAt: daysAgo(40) },
      ],
    });
    home = mkdtempSync(join(tmpdir(), 'servergem-web-github-e2e-'));
    profile = mkdtempSync(join(tmpdir(), 'servergem-chromium-'));
    const port = await freePort();
    sut = await startAllInOne(
      { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: String(port), GITHUB_API_URL: fake.url },
      () => undefined,
    );
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1360, height: 900 },
    });
  });

  afterAll(async () => {
    await browser?.close();
    await sut?.stop();
    await fake?.stop();
    for (const dir of [home, profile]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connects GitHub, searches, picks a repository and a branch, and fills the deploy form with them', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(sut.url);
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 15_000 });

    await page.getByRole('button', { name: 'Connect GitHub' }).click();
    await page.getByLabel('GitHub token').fill(TOKEN);
    await page.getByRole('button', { name: 'Save' }).click();

    const picker = page.getByTestId('repo-picker');
    await picker.getByTestId('repo-option').first().waitFor({ timeout: 30_000 });
    expect(await picker.getByTestId('repo-option').count()).toBe(3);
    expect(await page.getByTestId('repo-option').filter({ hasText: 'octo/payments-api' }).getByText('Private').count()).toBe(1);

    await page.getByTestId('repo-search').fill('store');
    await page.locator('[data-testid="repo-option"][data-full-name="octo/storefront"]').waitFor();
    await expectCount(() => picker.getByTestId('repo-option').count(), 1);
    const option = page.getByTestId('repo-option').first();
    expect(await option.textContent()).toContain('pushed 3 days ago');
    expect(await option.textContent()).toContain('<script>window.__pwned=1</script>');
    await option.click();

    const branch = page.getByTestId('branch-select');
    await page.locator('[data-testid="branch-select"]:enabled').waitFor({ timeout: 30_000 });
    expect(await branch.inputValue()).toBe('trunk');
    await branch.selectOption('release-2');

    expect(await page.getByTestId('repo-input').inputValue()).toBe('https://github.com/octo/storefront');
    expect(await page.getByTestId('branch-input').inputValue()).toBe('release-2');
    expect(await page.evaluate(() => typeof (globalThis as unknown as { __pwned?: unknown }).__pwned)).toBe('undefined');
    expect(await page.content()).not.toContain(TOKEN);
    expect(fake.requests.some((r) => r.url.startsWith('/repos/octo/storefront/branches') && r.headers.authorization === `token ${TOKEN}`)).toBe(true);

    await page.screenshot({ path: join(screenshots, 'repo-picker.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});

async function expectCount(count: () => Promise<number>, expected: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await count()) !== expected) {
    if (Date.now() > deadline) throw new Error(`expected ${expected}, still ${await count()} after ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 50));
  }
}
