import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const lib = (name: string) => fileURLToPath(new URL(`./libs/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    alias: {
      '#contracts': lib('contracts'),
      '#messaging': lib('messaging'),
      '#common': lib('common'),
      '#source': lib('source'),
      '#testing': lib('testing'),
    },
  },
  test: {
    // The web UI's component tests (.spec.tsx) choose jsdom with a `// @vitest-environment jsdom` line.
    include: ['apps/*/src/**/*.spec.ts', 'apps/web/src/**/*.spec.tsx', 'libs/*/src/**/*.spec.ts', 'test/**/*.spec.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // End-to-end files start whole servers; on two cores they are kinder run one at a time.
    fileParallelism: false,
    pool: 'forks',
  },
});
