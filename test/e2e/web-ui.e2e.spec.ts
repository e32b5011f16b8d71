import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiJson, freePort, getText, gitRepoFrom, isGapFree } from '#testing';
import { removeInstallation } from './stop-local-apps.js';
import { buildWebUi, CHROMIUM, launchChromium, SCREENSHOTS } from './web-browser.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const root = resolve(import.meta.dirname, '../..');
const examples = join(root, 'examples');
const screenshots = SCREENSHOTS;

interface StoredDeployment {
  deployment: { status: string; url: string | null; error: { hint: string } | null };
  events: { seq: number; stage: string; createdAt: string; logs: string[] }[];
}

interface SavedView {
  deploymentId: string;
  lastSeq: number;
  lines: string[];
}

/** What the test reads inside the page (the test program itself has no DOM types). */
interface BrowserGlobals {
  sessionStorage: { getItem(key: string): string | null };
  __pwned?: unknown;
}

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe.skipIf(!existsSync(CHROMIUM))('web UI in Chromium, against the all-in-one server', () => {
  let sut: AllInOne;
  let home: string;
  let profile: string;
  let browser: BrowserContext;
  const cleanups: string[] = [];

  beforeAll(async () => {
    buildWebUi();
    mkdirSync(screenshots, { recursive: true });
    home = mkdtempSync(join(tmpdir(), 'servergem-web-e2e-'));
    profile = mkdtempSync(join(tmpdir(), 'servergem-chromium-'));
    const port = await freePort();
    sut = await startAllInOne(
      { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: String(port), APP_START_TIMEOUT_SECONDS: '10' },
      () => undefined,
    );
    browser = await launchChromium(profile, {
      viewport: { width: 1360, height: 900 },
    });
  });

  afterAll(async () => {
    await browser?.close();
    await sut?.stop();
    if (home) await removeInstallation(home);
    for (const dir of [profile, ...cleanups]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function openPage(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    // The link `servergem up` prints: it logs the browser in.
    await page.goto(sut.loginUrl!);
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 15_000 });
    return { page, errors };
  }

  async function deploy(page: Page, source: string): Promise<void> {
    await page.getByTestId('repo-input').fill(source);
    await page.getByTestId('deploy-button').click();
    await page.getByTestId('deployment-stage').waitFor({ timeout: 15_000 });
  }

  async function waitForEnd(page: Page, timeout = 120_000): Promise<string> {
    // The URL or the failure shows once the outcome event (after the last update) has arrived.
    await page.locator('[data-testid="deployment-url"], [data-testid="deployment-error"]').first().waitFor({ timeout });
    return (await page.getByTestId('deployment-stage').textContent()) ?? '';
  }

  async function savedView(page: Page): Promise<SavedView> {
    const raw = await page.evaluate(() => (globalThis as unknown as BrowserGlobals).sessionStorage.getItem('servergem.deployment'));
    expect(raw).not.toBeNull();
    return JSON.parse(raw!) as SavedView;
  }

  async function stored(id: string): Promise<StoredDeployment> {
    return apiJson<StoredDeployment>(sut, `/api/deployments/${id}`);
  }

  it('serves the page at / and leaves the server’s own paths alone', async () => {
    const page = await getText(`${sut.url}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
    expect((await getText(`${sut.url}/some/client/route`)).body).toContain('<div id="root">');
    expect(JSON.parse((await getText(`${sut.url}/health`)).body)).toEqual({ status: 'ok' });
    const api = await fetch(`${sut.url}/api/deployments/not-a-uuid`, { headers: { accept: 'text/html' } });
    expect(api.headers.get('content-type')).toMatch(/json/);
    expect((await fetch(`${sut.url}/assets/missing.js`)).status).toBe(404);
  });

  it('is not logged in without the token; the login link logs it in and leaves the address bar clean', async () => {
    // A browser of its own: nothing kept from the other tests.
    const freshProfile = mkdtempSync(join(tmpdir(), 'servergem-chromium-login-'));
    cleanups.push(freshProfile);
    const fresh = await launchChromium(freshProfile);
    try {
      const page = await fresh.newPage();
      await page.goto(sut.url);
      const status = page.getByTestId('connection-status');
      await page.locator('[data-testid="connection-status"][data-state="unauthorized"]').waitFor({ timeout: 15_000 });
      expect(await status.textContent()).toMatch(/login link/);
      await page.screenshot({ path: join(screenshots, 'not-logged-in.png') });

      await page.goto(sut.loginUrl!);
      await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 15_000 });
      expect(page.url()).toBe(`${sut.url}/`);
      expect(await page.evaluate(() => (globalThis as unknown as { location: { href: string } }).location.href)).not.toContain('token');
      await page.screenshot({ path: join(screenshots, 'logged-in.png'), fullPage: true });

      // The browser stays logged in: a reload, or the plain address, connects again.
      await page.goto(sut.url);
      await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 15_000 });
    } finally {
      await fresh.close();
    }
  });

  it('deploys examples/node-hello from the page to a URL that answers 200', async () => {
    const { page, errors } = await openPage();
    await deploy(page, join(examples, 'node-hello'));
    expect(await waitForEnd(page)).toBe('live');
    const url = (await page.getByTestId('deployment-url').textContent())!;
    expect((await getText(url)).status).toBe(200);
    expect(await page.getByTestId('deployment-progress').getAttribute('value')).toBe('100');
    // The stages it went through, each with its duration, ending live.
    const timeline = page.locator('.deployment').first().getByTestId('stage-timeline');
    const stages = await timeline.locator('li').evaluateAll((items) => items.map((li) => li.getAttribute('data-stage')));
    expect(stages).toContain('building');
    expect(stages.at(-1)).toBe('live');
    expect(await timeline.locator('.timeline-duration').first().textContent()).toMatch(/^\d+\.\d s$/);
    await page.screenshot({ path: join(screenshots, 'deploy-live.png'), fullPage: true });

    // The history lists it; opening it shows its whole stored log.
    const { id } = { id: (await savedView(page)).deploymentId };
    const entry = page.locator(`[data-testid="history-list"] [data-deployment-id="${id}"]`);
    await entry.waitFor({ timeout: 10_000 });
    await entry.click();
    const logs = page.getByTestId('history-logs');
    await logs.waitFor();
    const total = (await stored(id)).events.flatMap((e) => e.logs).length;
    expect(Number(await logs.getAttribute('data-line-count'))).toBe(total);
    // A past deployment has its timeline too, from its stored events; the history charts the times.
    expect(await page.getByTestId('history-detail').getByTestId('stage-timeline').locator('li').count()).toBe(stages.length);
    // Its column stacks a build and a deploy part, as long as its stored events say.
    const { events } = await stored(id);
    const firstAt = (stages: string[]) => Date.parse(events.find((e) => stages.includes(e.stage))!.createdAt);
    const deployFrom = firstAt(['deploying', 'verifying']);
    const column = page.getByTestId('history-chart').locator(`g[data-deployment-id="${id}"]`);
    expect(await column.getAttribute('class')).toBe('chart-column chart-live');
    expect(await column.locator('rect.chart-build').count()).toBe(1);
    expect(await column.locator('rect.chart-deploy').count()).toBe(1);
    // The store keeps microseconds, the events' ISO times milliseconds.
    const build = deployFrom - firstAt(['cloning', 'analyzing', 'generating', 'building', 'pushing']);
    expect(Math.abs(Number(await column.getAttribute('data-build-ms')) - build)).toBeLessThanOrEqual(1);
    expect(Math.abs(Number(await column.getAttribute('data-deploy-ms')) - (firstAt(['live']) - deployFrom))).toBeLessThanOrEqual(1);
    await page.screenshot({ path: join(screenshots, 'history.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('loses and repeats no log line when the page reloads mid-deploy', async () => {
    const { page, errors } = await openPage();
    await deploy(page, join(examples, 'node-express'));
    // Reload once some lines have arrived but before the deployment ends.
    await until(async () => Number(await page.getByTestId('deployment-logs').getAttribute('data-line-count')) > 3, 60_000);
    const before = await page.getByTestId('deployment-stage').textContent();
    expect(['live', 'failed']).not.toContain(before);
    await page.reload();
    await page.getByTestId('deployment-stage').waitFor({ timeout: 5_000 });
    expect(await waitForEnd(page)).toBe('live');
    await page.screenshot({ path: join(screenshots, 'reload-live.png'), fullPage: true });

    const view = await savedView(page);
    const { events } = await stored(view.deploymentId);
    expect(isGapFree(events.map((e) => e.seq))).toBe(true);
    expect(view.lastSeq).toBe(events.at(-1)!.seq);
    expect(view.lines).toEqual(events.flatMap((e) => e.logs));
    expect(Number(await page.getByTestId('deployment-logs').getAttribute('data-line-count'))).toBe(view.lines.length);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a failed deployment with its message and hint', async () => {
    const { page, errors } = await openPage();
    await deploy(page, join(home, 'no-such-folder'));
    expect(await waitForEnd(page, 60_000)).toBe('failed');
    const error = page.getByTestId('deployment-error');
    const { deployment } = await stored((await savedView(page)).deploymentId);
    expect(deployment.error?.hint).toBeTruthy();
    expect(await error.textContent()).toContain(deployment.error!.hint);
    await page.screenshot({ path: join(screenshots, 'deploy-failed.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(screenshots, 'deploy-failed-phone.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sends what the user types to the agent and shows its answer', async () => {
    const { page, errors } = await openPage();
    const before = await page.locator('[data-testid="chat-messages"] .chat-agent').count();
    await page.getByTestId('chat-input').fill(`analyze ${join(examples, 'node-express')}`);
    await page.getByTestId('chat-input').press('Enter');
    await page.locator('[data-testid="chat-messages"] .chat-agent:not(.chat-pending)').nth(before).waitFor({ timeout: 60_000 });
    const reply = await page.locator('[data-testid="chat-messages"] .chat-agent:not(.chat-pending)').nth(before).textContent();
    expect(reply).toMatch(/express/i);
    await page.screenshot({ path: join(screenshots, 'chat-analyze.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a <script> printed by the app as text and never runs it', async () => {
    const app = mkdtempSync(join(tmpdir(), 'servergem-xss-app-'));
    cleanups.push(app);
    const payload = '<script>window.__pwned=1</script>';
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'xss-app', version: '1.0.0', private: true, scripts: { start: 'node server.js' } }, null, 2),
    );
    writeFileSync(
      join(app, 'server.js'),
      `const http = require('node:http');\nconsole.log(${JSON.stringify(payload)});\n` +
        `http.createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT || 3000), () => console.log('xss-app listening'));\n`,
    );
    const repo = gitRepoFrom(app);
    cleanups.push(repo);

    const { page, errors } = await openPage();
    await deploy(page, repo);
    expect(await waitForEnd(page)).toBe('live');
    const logs = page.getByTestId('deployment-logs');
    await page.getByText(payload, { exact: true }).waitFor({ timeout: 10_000 });
    expect(await logs.locator('script').count()).toBe(0);
    expect(await page.evaluate(() => typeof (globalThis as unknown as BrowserGlobals).__pwned)).toBe('undefined');
    await page.screenshot({ path: join(screenshots, 'script-as-text.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
