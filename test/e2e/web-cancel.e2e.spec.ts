import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentSummary } from '#contracts';
import { apiJson, deployOverSocket, freePort, getText } from '#testing';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';
import { removeInstallation } from './stop-local-apps.js';
import { buildWebUi, CHROMIUM, launchChromium, SCREENSHOTS } from './web-browser.js';

const root = resolve(import.meta.dirname, '../..');

/** Whether a live (not zombie) process is left in the group. */
function groupAlive(group: number): boolean {
  return readdirSync('/proc').some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      const [state, , pgrp] = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
      return Number(pgrp) === group && state !== 'Z';
    } catch {
      return false;
    }
  });
}

describe.skipIf(!existsSync(CHROMIUM))('cancelling a running build from the web UI, in Chromium', () => {
  let sut: AllInOne;
  let home: string;
  let work: string;
  let source: string;
  let profile: string;
  let browser: BrowserContext;
  let url: string;

  beforeAll(async () => {
    buildWebUi();
    home = mkdtempSync(join(tmpdir(), 'servergem-web-cancel-'));
    work = mkdtempSync(join(tmpdir(), 'servergem-web-cancel-src-'));
    profile = mkdtempSync(join(tmpdir(), 'servergem-chromium-cancel-'));
    source = join(work, 'slow-build-web');
    cpSync(join(root, 'test/fixtures/slow-build'), source, { recursive: true });
    sut = await startAllInOne({ PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: String(await freePort()) }, () => undefined);
    writeFileSync(join(source, 'quick-build'), '');
    const first = await deployOverSocket(sut, { repoUrl: source });
    expect(first.error).toBeUndefined();
    url = first.complete!.url;
    rmSync(join(source, 'quick-build'));
    browser = await launchChromium(profile, { viewport: { width: 1360, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await sut?.stop();
    if (home) await removeInstallation(home);
    for (const dir of [work, profile]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the cancel button stops the build: the view ends cancelled, no process of the build is left, the previous revision serves', async () => {
    const page = await browser.newPage();
    await page.goto(sut.loginUrl!);
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 15_000 });
    await page.getByTestId('repo-input').fill(source);
    await page.getByTestId('deploy-button').click();

    const logs = page.getByTestId('deployment-logs');
    await logs.getByText(/slow build: pid \d+/).waitFor({ timeout: 60_000 });
    const group = Number(/process group (\d+)/.exec((await logs.textContent()) ?? '')![1]);
    expect(groupAlive(group)).toBe(true);

    await page.getByTestId('cancel-button').click();
    const error = page.getByTestId('deployment-error');
    await error.waitFor({ timeout: 15_000 });
    expect(await error.textContent()).toContain('Cancelled while building');
    expect(await page.getByTestId('deployment-stage').textContent()).toBe('cancelled');
    expect(await page.getByTestId('cancel-button').count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'cancelled.png'), fullPage: true });

    const deadline = Date.now() + 10_000;
    while (groupAlive(group) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(groupAlive(group)).toBe(false);
    const { deployments } = await apiJson<{ deployments: DeploymentSummary[] }>(sut, '/api/deployments');
    expect(deployments[0]).toMatchObject({ status: 'cancelled', cancelledBy: 'local' });
    expect((await getText(url)).status).toBe(200);
  });

  it('from the Services page: Redeploy opens the deployment at /deployments/:id, whose cancel button stops the build', { timeout: 120_000 }, async () => {
    const { services } = await apiJson<{ services: { name: string; repoUrl: string }[] }>(sut, '/api/services');
    const name = services.find((s) => s.repoUrl === source)!.name;
    const page = await browser.newPage();
    await page.goto(sut.loginUrl!);
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 15_000 });
    await page.getByTestId('nav-services').click();
    await page.locator(`[data-testid="services-list"] [data-name="${name}"] button`).click();
    await page.getByTestId('redeploy-button').click();
    await page.waitForURL(/\/deployments\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    const id = /\/deployments\/([0-9a-f-]{36})$/.exec(page.url())![1];
    // A reload keeps the page: the gateway answers the deep link with the UI.
    await page.reload();
    await page
      .getByTestId('deployment-logs')
      .getByText(/slow build: pid \d+/)
      .waitFor({ timeout: 60_000 });
    await page.getByTestId('cancel-button').click();
    await page.getByTestId('deployment-error').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('deployment-error').textContent()).toContain('Cancelled while building');
    await page.screenshot({ path: join(SCREENSHOTS, 'services-redeploy-cancelled.png'), fullPage: true });
    const { deployment } = await apiJson<{ deployment: DeploymentSummary }>(sut, `/api/deployments/${id}`);
    expect(deployment.status).toBe('cancelled');
    expect((await getText(url)).status).toBe(200);
  });
});
