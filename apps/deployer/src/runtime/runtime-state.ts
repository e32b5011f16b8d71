import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const KEEP_REVISIONS = 5;

const revisionSchema = z.object({
  deploymentId: z.string(),
  releaseDir: z.string(),
  appDir: z.string(),
  /** Folders first on PATH: the toolchain its build provisioned (absent for releases built before there were any). */
  path: z.array(z.string()).optional(),
  startCommand: z.string(),
  /** The port the app listens on when it ignores PORT. */
  fixedPort: z.number().int().nullable(),
  createdAt: z.string(),
  /** The service's variables for this revision (not secret). */
  env: z.record(z.string(), z.string()).default({}),
  /** Its secrets, sealed with the installation key: opened only into the app's environment. */
  sealedSecrets: z.record(z.string(), z.string()).default({}),
  /** The path that must answer 2xx/3xx before the revision serves; `/` accepts any answer. */
  healthCheckPath: z.string().default('/'),
  settingsVersion: z.number().int().nullable().default(null),
});
export type Revision = z.infer<typeof revisionSchema>;

const processSchema = z.object({
  pid: z.number().int().positive(),
  /** Field 22 of /proc/<pid>/stat: tells this process from a later one that reused its pid. */
  startTime: z.string().nullable(),
  privatePort: z.number().int().positive(),
  deploymentId: z.string(),
  startedAt: z.string(),
});
export type RecordedProcess = z.infer<typeof processSchema>;

export const serviceStateSchema = z.object({
  version: z.literal(1),
  name: z.string(),
  /** Allocated once; the service's URL for its whole life. */
  proxyPort: z.number().int().positive(),
  /** `stopped` only after an explicit stop; otherwise the supervisor keeps the app running. */
  desired: z.enum(['running', 'stopped']),
  current: z.string().nullable(),
  /** Newest first, at most KEEP_REVISIONS. */
  revisions: z.array(revisionSchema),
  process: processSchema.nullable(),
  /** A new release being verified; recorded so a ServerGem killed mid-deploy never leaves it orphaned. */
  candidate: processSchema.nullable().default(null),
  /** The front door's process (the stable URL), re-adopted like the app; none in states of older releases. */
  frontDoor: z.object({ pid: z.number().int().positive(), startTime: z.string().nullable(), port: z.number().int().nonnegative() }).nullable().default(null),
  restarts: z.number().int().nonnegative(),
  /**
   * The deploy attempt that holds the service (another deployer of this home, or a later delivery of
   * the same job, may take it over): only the holder starts, records or puts anything live.
   */
  claim: z.object({ token: z.string(), deploymentId: z.string(), attempt: z.number().int().positive() }).nullable().default(null),
});
export type ServiceState = z.infer<typeof serviceStateSchema>;

/** `$SERVERGEM_HOME/runtime/<service>/`: state.json and app.log of one service. */
export function serviceDir(home: string, name: string): string {
  return join(home, 'runtime', name);
}

export function stateFile(home: string, name: string): string {
  return join(serviceDir(home, name), 'state.json');
}

export function readState(home: string, name: string): ServiceState | null {
  try {
    return serviceStateSchema.parse(JSON.parse(readFileSync(stateFile(home, name), 'utf8')));
  } catch {
    return null;
  }
}

/** Written to a temp file and renamed, so a crash never leaves a half-written state.json. */
export function writeState(home: string, state: ServiceState): void {
  const dir = serviceDir(home, state.name);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.state.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(temp, JSON.stringify(state, null, 2));
  renameSync(temp, join(dir, 'state.json'));
}

/** A lock held longer than this was left by a deployer that died or froze while holding it. */
const STALE_LOCK_MS = 2000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Reads state.json, changes it and writes it back under `state.lock`, so the deployers sharing a
 * home (replicas on one machine) never lose each other's changes: `change` sees what is on disk now
 * (null when there is nothing), and what it returns is written (nothing when it returns the same object).
 */
export function updateState(home: string, name: string, change: (disk: ServiceState | null) => ServiceState): ServiceState {
  const dir = serviceDir(home, name);
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, 'state.lock');
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = (() => {
        try {
          return Date.now() - statSync(lock).mtimeMs;
        } catch {
          return 0;
        }
      })();
      if (age > STALE_LOCK_MS) {
        try {
          unlinkSync(lock);
        } catch {
          // Another deployer broke it first.
        }
      } else Atomics.wait(pause, 0, 0, 5);
    }
  }
  try {
    const disk = readState(home, name);
    const next = change(disk);
    if (next !== disk) writeState(home, next);
    return next;
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // Broken as stale by another deployer.
    }
  }
}

export function listStateNames(home: string): string[] {
  try {
    return readdirSync(join(home, 'runtime'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
