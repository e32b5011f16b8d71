import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGithub, freePort } from '#testing';
import { buildWebUi, CHROMIUM, launchChromium, SCREENSHOTS } from './web-browser.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';
import { removeInstallation } from './stop-local-apps.js';

const screenshots = SCREENSHOTS;
const TOKEN = 'ghp_' + randomBytes(18).toString('hex');
const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 3600 * 1000).toISOString();

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
    browser = await launchChromium(profile, {
      viewport: { width: 1360, height: 900 },
    });
  });

  afterAll(async () => {
    await browser?.close();
    await sut?.stop();
    await fake?.stop();
    if (home) await removeInstallation(home);
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('connects GitHub, searches, picks a repository and a branch, and fills the deploy form with them', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(sut.loginUrl!);
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
