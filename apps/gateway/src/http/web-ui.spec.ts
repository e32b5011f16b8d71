import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { findWebDir, serveWebUi } from './web-ui.js';

describe(serveWebUi.name, () => {
  const dirs: string[] = [];
  let server: Server | undefined;

  afterEach(() => {
    server?.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  // The UI is registered ahead of the app's own routes, as in the gateway; `/api` and `/health` stand for them.
  async function start(webDir: string | null): Promise<string> {
    const app = express();
    serveWebUi(app as unknown as INestApplication, webDir);
    app.get('/health', (_req, res) => void res.json({ status: 'ok' }));
    app.get('/api/deployments', (_req, res) => void res.json({ deployments: [] }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((done) => server!.once('listening', done));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  }

  function builtUi(): string {
    const dir = mkdtempSync(join(tmpdir(), 'servergem-web-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<div id="root"></div>');
    writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
    return dir;
  }

  it('serves index.html at / and for page routes, with a content security policy', async () => {
    const url = await start(builtUi());
    for (const path of ['/', '/deployments/123']) {
      const response = await fetch(`${url}${path}`, { headers: { accept: 'text/html' } });
      expect(await response.text()).toBe('<div id="root"></div>');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
    const asset = await fetch(`${url}/assets/index-abc.js`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  it('never shadows the server’s own paths, and a missing asset is a 404', async () => {
    const url = await start(builtUi());
    expect(await (await fetch(`${url}/health`, { headers: { accept: 'text/html' } })).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${url}/api/deployments`, { headers: { accept: 'text/html' } })).json()).toEqual({ deployments: [] });
    expect((await fetch(`${url}/socket.io/`, { headers: { accept: 'text/html' } })).status).toBe(404);
    expect((await fetch(`${url}/assets/missing.js`)).status).toBe(404);
  });

  it('says how to build the UI when it is not built', async () => {
    const url = await start(null);
    const response = await fetch(`${url}/`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('npm run build');
  });

  it('finds the UI through WEB_DIR, and reports none when WEB_DIR has no build', () => {
    const dir = builtUi();
    expect(findWebDir(dir)).toBe(dir);
    expect(findWebDir(join(dir, 'assets'))).toBeNull();
    expect(findWebDir(undefined, dir)).toBeNull();
  });
});
