import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempApps } from '#testing';
import { isFresh, snapshot, writeStamp } from '../bin/build-stamp.js';

const { app, cleanup } = tempApps('servergem-stamp-');
afterEach(cleanup);

/** A checkout with a built server: its sources recorded as the last build saw them. */
function built(): string {
  const root = app({
    'tsconfig.json': '{}',
    'tsconfig.build.json': '{}',
    'package.json': '{}',
    'apps/api/src/main.ts': 'export {};\n',
    'libs/common/src/index.ts': 'export {};\n',
    'apps/api/fixtures/node/app/index.ts': 'fixture\n',
  });
  writeStamp(root, 'server', snapshot(root, 'server'));
  return root;
}

describe('build stamp', () => {
  it('is fresh right after a build', () => {
    expect(isFresh(built(), 'server')).toBe(true);
  });

  it('is stale once a source file is edited', () => {
    const root = built();
    const file = join(root, 'libs/common/src/index.ts');
    writeFileSync(file, 'export const x = 1;\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    expect(isFresh(root, 'server')).toBe(false);
  });

  it('is stale once a source file is added or removed', () => {
    const added = built();
    mkdirSync(join(added, 'apps/api/src/routes'));
    writeFileSync(join(added, 'apps/api/src/routes/new.ts'), 'export {};\n');
    utimesSync(join(added, 'apps/api/src/routes'), new Date(), new Date(Date.now() + 5_000));
    utimesSync(join(added, 'apps/api/src'), new Date(), new Date(Date.now() + 5_000));
    expect(isFresh(added, 'server')).toBe(false);

    const removed = built();
    rmSync(join(removed, 'apps/api/src/main.ts'));
    expect(isFresh(removed, 'server')).toBe(false);
  });

  it('ignores what the build does not compile (fixtures) and has no stamp before the first build', () => {
    const root = built();
    const fixture = join(root, 'apps/api/fixtures/node/app/index.ts');
    utimesSync(fixture, new Date(), new Date(Date.now() + 5_000));
    expect(isFresh(root, 'server')).toBe(true);
    expect(isFresh(app({ 'apps/api/src/main.ts': '' }), 'server')).toBe(false);
  });
});
