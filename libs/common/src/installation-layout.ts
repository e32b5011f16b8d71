import { createHash } from 'node:crypto';
import { chmodSync, lchownSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { lchown, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { DomainError } from './domain-error.js';
import type { RunAs } from './run-process.js';

/** Where the folders other users must reach go by default when ServerGem runs as root. */
export const SHARED_ROOT = '/var/lib/servergem';
const RECORD = 'layout.json';
const recordSchema = z.object({ sharedDir: z.string().min(1) });

/**
 * The folders of one installation. The home is private to ServerGem (keys, tokens, runtime state,
 * locks, app logs). The shared folder holds what the `postgres` user and the app user must reach:
 * the database cluster, the releases and each service's HOME. Not running as root, everything
 * runs as one user and the shared folder is the home itself, as it always was.
 */
export class InstallationLayout {
  private constructor(
    readonly home: string,
    readonly shared: string,
  ) {}

  /**
   * Resolves (and records in the home, so a restart finds it) the shared folder: SERVERGEM_SHARED_DIR
   * when set, else the one recorded, else /var/lib/servergem/<installation id> as root.
   */
  static resolve(options: { home: string; sharedDir?: string; asRoot?: boolean }): InstallationLayout {
    const { home } = options;
    const asRoot = options.asRoot ?? process.getuid?.() === 0;
    if (!asRoot) return new InstallationLayout(home, options.sharedDir ?? home);
    const recorded = readRecord(home);
    const shared = options.sharedDir ?? recorded ?? defaultSharedDir(home);
    if (shared === home) return new InstallationLayout(home, home);
    assertOutsidePrivateFolders(shared);
    try {
      // The common parent of every installation's shared folder, made once.
      if (shared === defaultSharedDir(home)) ensureFolder(dirname(shared), 0o711);
      ensureFolder(shared, 0o711);
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new DomainError(
        'INTERNAL',
        `ServerGem could not create ${shared}, where it keeps the files PostgreSQL and your apps must reach: ${(error as Error).message}.`,
        'Set SERVERGEM_SHARED_DIR to a folder root can create and other users can enter (e.g. /srv/servergem), or use your own PostgreSQL with DATABASE_URL=postgres://…',
      );
    }
    if (recorded !== shared) writeRecord(home, shared);
    return new InstallationLayout(home, shared);
  }

  /** Whether the shared folder is a folder of its own, outside the private home. */
  get separate(): boolean {
    return this.shared !== this.home;
  }

  get databaseDir(): string {
    return join(this.shared, 'postgres');
  }

  /** A deployment's release folder; with an attempt (a retried step's delivery), that attempt's own folder within it. */
  releaseDir(service: string, deploymentId: string, attempt?: number): string {
    const dir = join(this.shared, 'releases', safeName(service), safeName(deploymentId));
    return attempt === undefined ? dir : join(dir, String(Math.trunc(attempt)));
  }

  /**
   * The release folder of a deployment, its parents made ServerGem's own (0711: others may pass
   * through to a release they were handed, but not list or change what is there).
   */
  prepareRelease(service: string, deploymentId: string, attempt?: number): string {
    ensureFolder(join(this.shared, 'releases'), 0o711);
    ensureFolder(join(this.shared, 'releases', safeName(service)), 0o711);
    if (attempt !== undefined) ensureFolder(this.releaseDir(service, deploymentId), 0o711);
    return this.releaseDir(service, deploymentId, attempt);
  }

  serviceHome(service: string): string {
    return join(this.shared, 'homes', safeName(service));
  }

  /** The service's HOME, kept across releases (package caches are reused), owned by the app user. */
  prepareServiceHome(service: string, runAs?: RunAs): string {
    ensureFolder(join(this.shared, 'homes'), 0o711);
    const dir = this.serviceHome(service);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    if (!stat.isDirectory()) throw new Error(`${dir} is not a folder`);
    if (runAs && (stat.uid !== runAs.uid || stat.gid !== runAs.gid)) {
      // The folder's parent is ServerGem's own, so nobody can have swapped the folder for a link.
      chmodSync(dir, 0o700);
      lchownSync(dir, runAs.uid, runAs.gid);
    }
    return dir;
  }
}

/**
 * Gives a release folder ServerGem just wrote to the app user: every entry chowned without
 * following links (a link in the source must not hand over what it points at), the folder 0700.
 */
export async function handOver(dir: string, runAs: RunAs | undefined): Promise<void> {
  if (!runAs) return;
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      await lchown(full, runAs.uid, runAs.gid);
      if (entry.isDirectory()) await walk(full);
    }
  };
  await walk(dir);
  await lchown(dir, runAs.uid, runAs.gid);
  chmodSync(dir, 0o700);
}

/** /var/lib/servergem/<id>, or beside it when the home itself is there (SERVERGEM_HOME=/var/lib/servergem). */
function defaultSharedDir(home: string): string {
  const id = installationId(home);
  const candidate = join(SHARED_ROOT, id);
  return candidate.startsWith(`${home}/`) ? join(`${SHARED_ROOT}-shared`, id) : candidate;
}

/** A stable id for a home: the same folder always maps to the same shared folder. */
export function installationId(home: string): string {
  return createHash('sha256').update(realpathSync(home)).digest('hex').slice(0, 16);
}

export interface Reacher {
  uid: number;
  gid: number;
}

/**
 * The first folder on the way to `path` that `who` cannot pass through (by its mode bits), or
 * null when every folder lets them. Only the user and primary group count: processes ServerGem
 * starts as another user keep no supplementary groups.
 */
export function firstBlockedFolder(path: string, who: Reacher): { folder: string; mode: number; uid: number } | null {
  if (who.uid === 0) return null;
  const folders: string[] = [];
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    folders.unshift(folder);
    if (dirname(folder) === folder) break;
  }
  for (const folder of folders) {
    let stat;
    try {
      stat = statSync(folder);
    } catch {
      return null;
    }
    const bit = stat.uid === who.uid ? 0o100 : stat.gid === who.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return { folder, mode: stat.mode & 0o7777, uid: stat.uid };
  }
  return null;
}

/** Anyone but root and the owner: what "other users" means for the folders on the way. */
const ANYONE: Reacher = { uid: -2, gid: -2 };

function assertOutsidePrivateFolders(shared: string): void {
  const blocked = firstBlockedFolder(join(shared, 'x'), ANYONE);
  if (!blocked || blocked.folder === shared) return;
  throw new DomainError(
    'INTERNAL',
    `${shared} is inside ${blocked.folder}, which other users cannot enter (mode ${blocked.mode.toString(8)}), so neither PostgreSQL nor your apps could reach their files there.`,
    `Set SERVERGEM_SHARED_DIR to a folder outside any private one (e.g. ${SHARED_ROOT}/mine), or leave it unset for ${SHARED_ROOT}/<installation id>.`,
  );
}

/**
 * A folder owned by this process's user with exactly `mode`; a link or someone else's folder in
 * its place is refused, because ServerGem writes inside it (as root, through a link, anywhere).
 */
function ensureFolder(dir: string, mode: number): void {
  mkdirSync(dir, { recursive: true, mode });
  const stat = lstatSync(dir);
  const me = process.getuid?.();
  if (!stat.isDirectory() || (me !== undefined && stat.uid !== me)) {
    throw new DomainError(
      'INTERNAL',
      `${dir} is ${stat.isSymbolicLink() ? 'a symbolic link' : stat.isDirectory() ? `a folder of uid ${stat.uid}` : 'not a folder'}; ServerGem keeps releases and databases only in folders of its own.`,
      `Remove it (ServerGem creates it again), or set SERVERGEM_SHARED_DIR to another folder.`,
    );
  }
  if ((stat.mode & 0o7777) !== mode) chmodSync(dir, mode);
}

function safeName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.includes('..')) throw new Error(`not a safe folder name: ${JSON.stringify(name)}`);
  return name;
}

/** The shared folder recorded in a home, if it has one outside it (tests remove it with the home). */
export function recordedSharedDir(home: string): string | undefined {
  return readRecord(home);
}

function readRecord(home: string): string | undefined {
  try {
    return recordSchema.parse(JSON.parse(readFileSync(join(home, RECORD), 'utf8'))).sharedDir;
  } catch {
    return undefined;
  }
}

function writeRecord(home: string, sharedDir: string): void {
  const temp = join(home, `.${RECORD}.${process.pid}.tmp`);
  writeFileSync(temp, `${JSON.stringify({ sharedDir }, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, join(home, RECORD));
}
