import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Small apps written to temporary folders for a test: `app({ 'package.json': '…' })` returns the
 * folder; `cleanup()` (for `afterEach`) removes every folder made so far.
 */
export function tempApps(prefix = 'servergem-app-'): { app(files: Record<string, string>): string; cleanup(): void } {
  const dirs: string[] = [];
  return {
    app(files) {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      return dir;
    },
    cleanup() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
