import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiJson, deployOverSocket, freePort } from '#testing';
import { removeInstallation } from './stop-local-apps.js';
import { buildWebUi, CHROMIUM, launchChromium, SCREENSHOTS } from './web-browser.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const nodeHello = resolve(import.meta.dirname, '../../examples/node-hello');
const needsEnv = resolve(import.meta.dirname, '../fixtures/needs-env');
const ownPort = resolve(import.meta.dirname, '../fixtures/own-port');

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

describe.skipIf(!existsSync(CHROMIUM))('web UI: the chat’s replies and the Services page, in Chromium', () => {
  let sut: AllInOne;
  let home: string;
  let profile: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    buildWebUi();
    home = mkdtempSync(join(tmpdir(), 'servergem-web-agent-e2e-'));
    profile = mkdtempSync(join(tmpdir(), 'servergem-chromium-'));
    sut = await startAllInOne(
      { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: String(await freePort()), APP_START_TIMEOUT_SECONDS: '5' },
      () => undefined,
    );
    // Two revisions of one service, so there is one to roll back to.
    for (let i = 0; i < 2; i++) expect((await deployOverSocket(sut, { repoUrl: nodeHello })).error).toBeUndefined();
    browser = await launchChromium(profile, { viewport: { width: 1360, height: 900 } });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await sut?.stop();
    if (home) await removeInstallation(home);
    for (const dir of [profile]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function openPage(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(sut.loginUrl!);
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 15_000 });
    return { page, errors };
  }

  async function say(page: Page, text: string): Promise<void> {
    await page.locator('[data-testid="chat-input"]').fill(text);
    await page.locator('[data-testid="chat-input"]').press('Enter');
  }

  it('shows what the agent understood, and a rollback runs only when its confirmation is clicked', { timeout: 120_000 }, async () => {
    const { page, errors } = await openPage();
    await say(page, "what's running?");
    const status = page.locator('[data-testid="chat-intent"][data-kind="status"]');
    await status.waitFor({ timeout: 30_000 });
    expect(await status.textContent()).toContain('status');
    await page.screenshot({ path: join(SCREENSHOTS, 'chat-intent-status.png') });

    const before = await apiJson<{ service: { revision: string | null } }>(sut, '/api/services/node-hello');
    await say(page, 'roll node-hello back');
    const confirm = page.locator('[data-testid="chat-action"][data-action-type="confirm"]').last();
    await confirm.waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="chat-intent"][data-kind="rollback"]').last().textContent()).toContain('needs your confirmation');
    // Nothing ran from the sentence alone.
    expect((await apiJson<{ service: { revision: string | null } }>(sut, '/api/services/node-hello')).service.revision).toBe(before.service.revision);
    await page.screenshot({ path: join(SCREENSHOTS, 'chat-rollback-confirmation.png') });

    await confirm.click();
    await page.locator('[data-testid="chat-intent"][data-kind="rollback"]', { hasText: 'confirmed' }).waitFor({ timeout: 60_000 });
    expect(await confirm.isDisabled()).toBe(true);
    const after = await apiJson<{ service: { revision: string | null } }>(sut, '/api/services/node-hello');
    expect(after.service.revision).not.toBe(before.service.revision);
    await page.screenshot({ path: join(SCREENSHOTS, 'chat-rollback-confirmed.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens a service from its deep link after a reload, and a variable set there rolls out a new revision', { timeout: 120_000 }, async () => {
    const { page, errors } = await openPage();
    await page.goto(`${sut.url}/services/node-hello`);
    await page.reload();
    await page.locator('[data-testid="services-list"] [data-name="node-hello"]').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="service-detail"][data-name="node-hello"]').waitFor();
    // What the running app uses, measured on the machine: memory and CPU time.
    const usage = page.locator('[data-testid="services-list"] [data-name="node-hello"] [data-testid="service-usage"]');
    await usage.waitFor({ timeout: 15_000 });
    expect(await usage.textContent()).toMatch(/^\d+\.\d MB memory · \d+\.\d s CPU · \d+ process(es)? · up \d+/);
    await page.locator('[data-testid="rollback-button"]').first().waitFor({ timeout: 15_000 });
    const revisions = async () => (await apiJson<{ revisions: unknown[] }>(sut, '/api/services/node-hello/revisions')).revisions.length;
    const before = await revisions();

    await page.locator('[data-testid="env-new-name"]').fill('WEB_UI_FLAG');
    await page.locator('[data-testid="env-new-value"]').fill('on');
    await page.locator('[data-testid="env-save"]').click();
    await page.waitForURL(/\/deployments\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    await until(async () => (await revisions()) > before, 60_000);
    await page.screenshot({ path: join(SCREENSHOTS, 'deployment-page.png') });

    await page.goto(`${sut.url}/services/node-hello`);
    await page.locator('[data-testid="env-row"][data-name="WEB_UI_FLAG"]').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(SCREENSHOTS, 'services-page.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it(
    'a MISSING_ENV failure explained in the chat: its Set button puts the command in the box, the value typed deploys it live',
    { timeout: 120_000 },
    async () => {
      expect((await deployOverSocket(sut, { repoUrl: needsEnv })).error).toMatchObject({ code: 'MISSING_ENV' });
      const { page, errors } = await openPage();
      await say(page, 'why did it fail?');
      await page.locator('[data-testid="chat-intent"][data-kind="explain_failure"]').last().waitFor({ timeout: 30_000 });
      const set = page.locator('[data-testid="chat-action"][data-action-type="prompt"]').last();
      expect(await set.textContent()).toContain('GREETING');
      await set.click();
      const input = page.locator('[data-testid="chat-input"]');
      expect(await input.inputValue()).toBe('set GREETING= on needs-env');
      await page.screenshot({ path: join(SCREENSHOTS, 'chat-missing-env.png') });
      await input.fill('set GREETING=hello-from-the-page on needs-env');
      await input.press('Enter');
      await page.locator('[data-testid="chat-intent"][data-kind="set_env"]').last().waitFor({ timeout: 30_000 });
      let url = '';
      await until(async () => {
        const { service } = await apiJson<{ service: { state: string; url: string } }>(sut, '/api/services/needs-env');
        url = service.url;
        return service.state === 'live';
      }, 60_000);
      expect(await (await fetch(url)).text()).toBe('hello-from-the-page');
      expect(errors).toEqual([]);
      await page.close();
    },
  );

  it(
    'an app on a port of its own: the fix panel shows the diff, Accept fix deploys the patched copy, and the chat follows it live',
    { timeout: 150_000 },
    async () => {
      const folder = join(mkdtempSync(join(tmpdir(), 'servergem-web-own-port-')), 'own-port');
      cpSync(ownPort, folder, { recursive: true });
      const original = readFileSync(join(folder, 'server.js'), 'utf8');
      try {
        const { page, errors } = await openPage();
        await say(page, `deploy ${folder}`);
        await page.locator('[data-testid="deployment-stage"]', { hasText: 'failed' }).waitFor({ timeout: 60_000 });
        await say(page, 'why did it fail?');
        const panel = page.locator('[data-testid="proposed-fix"][data-rule="fixed-port"]').last();
        await panel.waitFor({ timeout: 30_000 });
        const diff = await panel.locator('[data-testid="fix-diff"]').textContent();
        expect(diff).toContain('-const port = Number(process.env.HTTP_PORT) || 47613;');
        expect(diff).toContain('+const port = Number(process.env.HTTP_PORT) || (Number(process.env.PORT) || 47613);');
        await page.screenshot({ path: join(SCREENSHOTS, 'chat-fix-panel-patch.png') });

        await panel.locator('[data-testid="fix-accept"]').click();
        await page.locator('[data-testid="chat-intent"][data-kind="apply_patch"]', { hasText: 'confirmed' }).waitFor({ timeout: 30_000 });
        expect(await page.locator('[data-testid="chat-messages"]').textContent()).toContain('is untouched');
        await page.locator('[data-testid="deployment-stage"]', { hasText: 'live' }).waitFor({ timeout: 90_000 });
        const url = (await page.locator('[data-testid="deployment-url"]').textContent())!.trim();
        expect(await (await fetch(url)).text()).toBe('own-port says hello');
        expect(readFileSync(join(folder, 'server.js'), 'utf8')).toBe(original);
        await page.screenshot({ path: join(SCREENSHOTS, 'chat-fix-accepted-live.png') });
        expect(errors).toEqual([]);
        await page.close();
      } finally {
        rmSync(join(folder, '..'), { recursive: true, force: true });
      }
    },
  );
});
