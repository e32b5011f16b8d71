import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import express from 'express';

/** Paths the UI must never answer, whatever the browser asks for. */
const SERVER_PATHS = /^\/(api|health|ready|stats|metrics|socket\.io)(\/|$)/;

// The page talks only to its own origin; server text is rendered as text, and this is the backstop.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ServerGem</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>ServerGem is running</h1>
<p>The web UI has not been built. Build it with <code>npm run build</code> (or restart with <code>npm start</code>, which builds it),
or point <code>WEB_DIR</code> at a folder holding a built UI.</p>
<p>The API is up: <a href="/health">/health</a>, <a href="/api/deployments">/api/deployments</a>.</p>
</body></html>`;

/** The configured `WEB_DIR`, else `apps/web/dist` found upwards from this file (it runs from `src/` in tests and from `dist/` built). */
export function findWebDir(configured: string | undefined, from: string = import.meta.dirname): string | null {
  if (configured) return existsSync(join(configured, 'index.html')) ? resolve(configured) : null;
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'apps', 'web', 'dist');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

function securityHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

/**
 * Serves the built web UI at `/`, with every other page path answered by `index.html` (the UI
 * routes in the browser). Registered before Nest's routes, so it steps aside for the server's own.
 */
export function serveWebUi(app: INestApplication, webDir: string | null): void {
  if (webDir) {
    app.use(
      express.static(webDir, {
        index: false,
        fallthrough: true,
        setHeaders: (res, path) => {
          // Vite puts a content hash in every asset name, so assets never change under their name.
          res.setHeader('Cache-Control', path.includes(`${join(webDir, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
          res.setHeader('X-Content-Type-Options', 'nosniff');
        },
      }),
    );
  }
  const index = webDir ? join(webDir, 'index.html') : null;
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || SERVER_PATHS.test(req.path) || !req.accepts('html')) return next();
    // A missing asset is a 404, not the page.
    if (req.path.startsWith('/assets/') || /\.[a-z0-9]+$/i.test(req.path)) return next();
    securityHeaders(res);
    res.setHeader('Cache-Control', 'no-cache');
    if (!index) {
      res.status(200).type('html').send(NOT_BUILT_PAGE);
      return;
    }
    res.sendFile(index);
  });
}
