import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appIdentity, runAsOf } from './app-user.js';
import { firstBlockedFolder, handOver, InstallationLayout, installationId, SHARED_ROOT } from './installation-layout.js';

const asRoot = process.getuid?.() === 0;
const made: string[] = [];
const temp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};
const mode = (path: string) => statSync(path).mode & 0o7777;

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe(InstallationLayout.name, () => {
  it('not as root, keeps everything in the home, where it always was', () => {
    const home = temp('servergem-layout-');
    const sut = InstallationLayout.resolve({ home, asRoot: false });
    expect(sut.separate).toBe(false);
    expect(sut.databaseDir).toBe(join(home, 'postgres'));
    expect(sut.prepareRelease('web', 'd1')).toBe(join(home, 'releases', 'web', 'd1'));
    expect(sut.prepareServiceHome('web')).toBe(join(home, 'homes', 'web'));
  });

  it.runIf(asRoot)('as root, keeps shared files in a folder of their own that restarts find again', () => {
    const home = temp('servergem-layout-');
    const sut = InstallationLayout.resolve({ home });
    made.push(sut.shared);
    expect(sut.shared).toBe(join(SHARED_ROOT, installationId(home)));
    expect(sut.separate).toBe(true);
    expect(mode(sut.shared)).toBe(0o711);
    expect(statSync(sut.shared).uid).toBe(0);
    expect(JSON.parse(readFileSync(join(home, 'layout.json'), 'utf8'))).toEqual({ sharedDir: sut.shared });
    expect(InstallationLayout.resolve({ home }).shared).toBe(sut.shared);
  });

  it.runIf(asRoot)('as root, records a SERVERGEM_SHARED_DIR, so a restart without it still finds the data', () => {
    const home = temp('servergem-layout-');
    const chosen = join(temp('servergem-shared-'), 'mine');
    chmodSync(join(chosen, '..'), 0o755);
    expect(InstallationLayout.resolve({ home, sharedDir: chosen }).shared).toBe(chosen);
    expect(InstallationLayout.resolve({ home }).shared).toBe(chosen);
  });

  it.runIf(asRoot)('refuses a shared folder inside a private one, naming the folder that blocks', () => {
    const home = temp('servergem-layout-');
    const privateParent = temp('servergem-private-');
    expect(() => InstallationLayout.resolve({ home, sharedDir: join(privateParent, 'shared') })).toThrow(
      expect.objectContaining({
        message: expect.stringContaining(`inside ${privateParent}, which other users cannot enter (mode 700)`),
        hint: expect.stringContaining('SERVERGEM_SHARED_DIR'),
      }),
    );
  });

  it('refuses to write a release through a link someone put in place of its folder', () => {
    const home = temp('servergem-layout-');
    const elsewhere = temp('servergem-elsewhere-');
    mkdirSync(join(home, 'releases'), { recursive: true });
    symlinkSync(elsewhere, join(home, 'releases', 'web'));
    const sut = InstallationLayout.resolve({ home, asRoot: false });
    expect(() => sut.prepareRelease('web', 'd1')).toThrow(/is a symbolic link/);
  });

  it('refuses names that would leave the releases folder', () => {
    const sut = InstallationLayout.resolve({ home: temp('servergem-layout-'), asRoot: false });
    expect(() => sut.releaseDir('..', 'd1')).toThrow(/not a safe folder name/);
    expect(() => sut.releaseDir('web', '../../etc')).toThrow(/not a safe folder name/);
  });
});

describe(handOver.name, () => {
  it.runIf(asRoot)('gives every entry to the app user without following links, and closes the folder to others', async () => {
    const runAs = runAsOf(await appIdentity('servergem-app'))!;
    const release = temp('servergem-release-');
    const outside = join(temp('servergem-outside-'), 'root-only.txt');
    writeFileSync(outside, 'root');
    mkdirSync(join(release, 'src'));
    writeFileSync(join(release, 'src', 'index.js'), '');
    symlinkSync(outside, join(release, 'link'));

    await handOver(release, runAs);

    for (const path of [release, join(release, 'src'), join(release, 'src', 'index.js'), join(release, 'link')]) {
      expect(lstatSync(path)).toMatchObject({ uid: runAs.uid, gid: runAs.gid });
    }
    expect(statSync(outside).uid).toBe(0);
    expect(mode(release)).toBe(0o700);
  });
});

describe(firstBlockedFolder.name, () => {
  it('names the first folder on the way that the user cannot pass through', () => {
    const parent = temp('servergem-reach-');
    const inner = join(parent, 'inner');
    mkdirSync(inner);
    chmodSync(parent, 0o700);
    const stranger = { uid: 12345, gid: 12345 };
    expect(firstBlockedFolder(join(inner, 'file'), stranger)).toMatchObject({ folder: parent, mode: 0o700 });
    chmodSync(parent, 0o711);
    expect(firstBlockedFolder(join(inner, 'file'), stranger)).toBeNull();
    expect(firstBlockedFolder(join(inner, 'file'), { uid: 0, gid: 0 })).toBeNull();
  });
});
