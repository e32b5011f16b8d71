import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as contracts from '#contracts';

const root = resolve(import.meta.dirname, '..');
const SERVICES = ['gateway', 'orchestrator', 'analyzer', 'builder', 'deployer'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

/** Which top-level part (apps/x or libs/x) a relative import lands in. */
function partOf(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const target = relative(root, resolve(dirname(file), specifier)).split('/');
  return target[0] === 'apps' || target[0] === 'libs' ? `${target[0]}/${target[1]}` : null;
}

describe('architecture', () => {
  it.each(SERVICES)('apps/%s imports no other app', (service) => {
    const offending = sources(join(root, 'apps', service, 'src')).flatMap((file) =>
      importsOf(file)
        .map((spec) => partOf(file, spec))
        .filter((part): part is string => part !== null && part.startsWith('apps/') && part !== `apps/${service}`)
        .map((part) => `${relative(root, file)} → ${part}`),
    );
    expect(offending).toEqual([]);
  });

  it('libs import no app', () => {
    const offending = sources(join(root, 'libs')).flatMap((file) =>
      importsOf(file)
        .map((spec) => partOf(file, spec))
        .filter((part): part is string => part !== null && part.startsWith('apps/'))
        .map((part) => `${relative(root, file)} → ${part}`),
    );
    expect(offending).toEqual([]);
  });

  it('libs/contracts depends on zod only', () => {
    // Its tests may use the test runner; what ships (and what the web UI bundles) is zod alone.
    const external = sources(join(root, 'libs/contracts/src'))
      .filter((file) => !file.endsWith('.spec.ts'))
      .flatMap(importsOf)
      .filter((spec) => !spec.startsWith('.'));
    expect([...new Set(external)]).toEqual(['zod']);
  });

  it('no production code imports the test fakes', () => {
    const offending = [...sources(join(root, 'apps')), ...sources(join(root, 'libs'))]
      .filter((file) => !file.endsWith('.spec.ts') && !file.endsWith('.harness.ts') && !file.includes('/libs/testing/'))
      .filter((file) => importsOf(file).includes('#testing'));
    expect(offending).toEqual([]);
  });

  it("a chat message's reply waits as long as the slowest request its commands make", () => {
    // The chat runs what a message asks before it replies; a gateway that gave up sooner would
    // say TIMEOUT while a rollback or an analysis went on.
    const chatCode = [...sources(join(root, 'apps/orchestrator/src/chat')), join(root, 'apps/orchestrator/src/services/service-operations.ts')].filter(
      (file) => !file.endsWith('.spec.ts'),
    );
    const requested = new Set(chatCode.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/bus\.request\(\s*(\w+Subject)\b/g)].map((m) => m[1]!)));
    expect(requested.size).toBeGreaterThan(5);
    const byName = contracts as unknown as Record<string, { subject: string; timeoutMs: number }>;
    const listed = new Set<unknown>(contracts.CHAT_COMMAND_SUBJECTS);
    expect([...requested].filter((name) => !listed.has(byName[name]))).toEqual([]);
    for (const name of requested) {
      expect(contracts.chatSubject.timeoutMs, name).toBeGreaterThan(contracts.CHAT_PLANNING_MS + byName[name]!.timeoutMs);
    }
  });
});
