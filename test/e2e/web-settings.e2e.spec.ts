import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceSettingsView } from '#contracts';
import { apiJson, deployOverSocket, freePort, getText } from '#testing';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';
import { removeInstallation } from './stop-local-apps.js';
import { buildWebUi, CHROMIUM, launchChromium, SCREENSHOTS } from './web-browser.js';

const root = resolve(import.meta.dirname, '../..');

describe.skipIf(!existsSync(CHROMIUM))('how a service runs, edited on the Services page, in Chromium', () => {
  let sut: AllInOne;
  let home: string;
  let profile: string;
  let browser: BrowserContext;
  let url: string;

  beforeAll(async () => {
    buildWebUi();
    home = mkdtempSync(join(tmpdir(), 'servergem-web-settings-'));
    profile = mkdtempSync(join(tmpdir(), 'servergem-chromium-settings-'));
    sut = await startAllInOne({ PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: String(await freePort()) }, () => undefined);
    const first = await deployOverSocket(sut, { repoUrl: join(root, 'examples/node-hello') });
    expect(first.error).toBeUndefined();
    url = first.complete!.url;
    browser = await launchChromium(profile, { viewport: { width: 1360, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    await sut?.stop();
    if (home) await removeInstallation(home);
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('a start command and a health-check path saved in the editor roll out a new revision at the same URL', { timeout: 120_000 }, async () => {
    const page = await browser.newPage();
    await page.goto(sut.loginUrl!);
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 15_000 });
    await page.getByTestId('nav-services').click();
    await page.locator('[data-testid="services-list"] [data-name="node-hello"] button').click();
    await page.getByTestId('runtime-settings').waitFor();
    // A local service has no Cloud Run resources or traffic split to edit.
    expect(await page.getByTestId('cloud-run-resources').count()).toBe(0);
    await page.getByTestId('start-command').fill('node server.js');
    await page.getByTestId('health-check-path').fill('/health');
    await page.getByTestId('runtime-save').click();
    await page.waitForURL(/\/deployments\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    await page.locator('[data-testid="deployment-stage"]', { hasText: 'live' }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(SCREENSHOTS, 'services-runtime-settings.png'), fullPage: true });

    const { settings } = await apiJson<{ settings: ServiceSettingsView }>(sut, '/api/services/node-hello/settings');
    expect(settings).toMatchObject({ startCommand: 'node server.js', healthCheckPath: '/health', port: null });
    const { services } = await apiJson<{ services: { name: string; url: string; settingsVersion: number }[] }>(sut, '/api/services');
    expect(services.find((s) => s.name === 'node-hello')).toMatchObject({ url, settingsVersion: 1 });
    expect((await getText(url)).status).toBe(200);
  });
});
