/// <reference types="node" />
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The web UI; the gateway serves `dist/` at `/`. */
export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react()],
  resolve: { alias: { '#contracts': here('../../libs/contracts/src/index.ts') } },
  // One bundle for a single-page tool (React, Markdown, socket client) is fine at ~600 kB.
  build: { outDir: here('dist'), emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
  // `vite` in apps/web for hot reload against a running server; add http://localhost:5173 to ALLOWED_ORIGINS.
  server: {
    proxy: {
      '/socket.io': { target: 'http://127.0.0.1:8000', ws: true },
      '/api': 'http://127.0.0.1:8000',
    },
  },
});
