import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentEvent, DeploymentSummary, OwnedService, ServiceSettingsView } from '#contracts';
import { apiJson, deployOverSocket, freePort, getText } from '#testing';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';
import { writeBuiltValuesApp, type BuiltValuesAnswer } from './built-values-app.js';
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

  it(
    'a build-time variable and a build-time secret added in the editor rebuild the service, the page says so, and the URL serves the new build',
    { timeout: 180_000 },
    async () => {
      const folder = join(home, 'built-values');
      writeBuiltValuesApp(folder, 'first');
      const deployed = await deployOverSocket(sut, { repoUrl: folder });
      expect(deployed.error).toBeUndefined();
      const appUrl = deployed.complete!.url;
      const answer = async () => JSON.parse((await getText(appUrl)).body) as BuiltValuesAnswer;
      expect(await answer()).toMatchObject({ color: null, tokenSha256: null });
      const { services } = await apiJson<{ services: OwnedService[] }>(sut, '/api/services');
      const name = services.find((s) => s.repoUrl === folder)!.name;

      const page = await browser.newPage();
      await page.goto(sut.loginUrl!);
      await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 15_000 });
      const openService = async () => {
        await page.getByTestId('nav-services').click();
        await page.locator(`[data-testid="services-list"] [data-name="${name}"] button`).click();
        await page.getByTestId('service-settings').waitFor();
      };
      const followRebuild = async (p: Page, because: string) => {
        await p.waitForURL(/\/deployments\/[0-9a-f-]{36}$/, { timeout: 30_000 }).catch(async () => {
          throw new Error(`No deployment page opened; the Services page said: ${await p.getByTestId('service-said').textContent({ timeout: 1000 })}`);
        });
        expect(await p.getByTestId('deployment-note').textContent()).toContain(`Rebuilding ${name} because build-time setting ${because} changed`);
        await p
          .locator('[data-testid="deployment-stage"]', { hasText: 'live' })
          .waitFor({ timeout: 120_000 })
          .catch(async () => {
            const id = p.url().split('/').at(-1)!;
            const { deployment, events } = await apiJson<{ deployment: DeploymentSummary; events: DeploymentEvent[] }>(sut, `/api/deployments/${id}`);
            const page = await p.locator('main').textContent();
            throw new Error(
              `Deployment ${id} did not go live: ${deployment.status} at ${deployment.stage}, ${JSON.stringify(deployment.error)}; its last events: ${events
                .slice(-5)
                .map((e) => e.message)
                .join(' | ')}; the page: ${page?.slice(0, 600)}`,
            );
          });
      };

      // A build-time variable: the button says it rebuilds, the deployment page says why.
      await openService();
      await page.getByTestId('env-new-name').fill('PUBLIC_COLOR');
      await page.getByTestId('env-new-value').fill('teal');
      expect(await page.getByTestId('env-save').textContent()).toBe('Save and roll out');
      await page.getByTestId('env-new-build').check();
      expect(await page.getByTestId('env-save').textContent()).toBe('Save and rebuild');
      await page.getByTestId('env-save').click();
      await followRebuild(page, 'PUBLIC_COLOR');
      await page.screenshot({ path: join(SCREENSHOTS, 'services-build-time-rebuild.png'), fullPage: true });
      expect(await answer()).toMatchObject({ color: 'teal', tokenSha256: null, release: 'first' });

      // A build-time secret: typed in a password field, listed by its masked tail only.
      const token = `npm_${randomBytes(12).toString('hex')}`;
      await openService();
      await page.locator('[data-testid="env-row"][data-name="PUBLIC_COLOR"][data-build="true"]').waitFor();
      await page.getByTestId('env-new-name').fill('BUILD_TOKEN');
      await page.getByTestId('env-new-build').check();
      await page.getByLabel('secret', { exact: true }).check();
      expect(await page.getByTestId('env-new-value').getAttribute('type')).toBe('password');
      await page.getByTestId('env-new-value').fill(token);
      await page.getByTestId('env-save').click();
      await followRebuild(page, 'BUILD_TOKEN');
      const sha = createHash('sha256').update(token).digest('hex').slice(0, 16);
      expect(await answer()).toMatchObject({ color: 'teal', tokenSha256: sha });
      await openService();
      const secretRow = page.locator('[data-testid="env-row"][data-name="BUILD_TOKEN"][data-build="true"][data-secret="true"]');
      expect(await secretRow.textContent()).toContain(`••••${token.slice(-4)} (build-time secret, write-only)`);
      expect(await page.content()).not.toContain(token);
      await page.screenshot({ path: join(SCREENSHOTS, 'services-build-time-settings.png'), fullPage: true });

      // Removing the build-time variable rebuilds without it.
      await page.locator('[data-testid="env-row"][data-name="PUBLIC_COLOR"][data-build="true"] button').click();
      await followRebuild(page, 'PUBLIC_COLOR');
      expect(await answer()).toMatchObject({ color: null, tokenSha256: sha });
      const { settings } = await apiJson<{ settings: ServiceSettingsView }>(sut, `/api/services/${name}/settings`);
      expect(settings).toMatchObject({ buildEnv: {}, buildSecrets: [{ name: 'BUILD_TOKEN', masked: `••••${token.slice(-4)}` }] });
      await page.close();
    },
  );
});
