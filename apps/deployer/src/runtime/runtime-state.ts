import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
