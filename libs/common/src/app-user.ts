import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { runProcess, type RunAs } from './run-process.js';

/** Who installs, builds and runs the apps of the `local` target. */
export type AppIdentity =
  | { isolated: true; user: string; uid: number; gid: number }
  | {
      isolated: false;
      /** `not-root`: only root can switch users; `cannot-create`: useradd failed; `privileged`: APP_USER is uid 0. */
      reason: 'not-root' | 'cannot-create' | 'privileged';
      /** The user that was asked for (APP_USER). */
      user: string;
      /** Who the apps run as instead: the user running ServerGem. */
      runningAs: string;
      detail: string;
    };

/** The user accounts of this machine, behind an interface so the decision can be tested on its own. */
export interface UserAccounts {
  /** The uid ServerGem runs as; null where the platform has none. */
  currentUid(): number | null;
  currentName(): string;
  find(name: string): Promise<RunAs | null>;
  /** Creates an unprivileged system user with a group of its own; throws with the reason it could not. */
  create(name: string): Promise<void>;
}

/** The spawn options that run a process as the identity, or nothing when apps run as ServerGem. */
export function runAsOf(identity: AppIdentity): RunAs | undefined {
  return identity.isolated ? { uid: identity.uid, gid: identity.gid } : undefined;
}

/**
 * Decides who apps run as: as root, the unprivileged user `name` (reused, or created once);
 * otherwise, and when that fails, the user running ServerGem — with the reason, for the notice.
 */
export async function resolveAppIdentity(name: string, accounts: UserAccounts = systemAccounts): Promise<AppIdentity> {
  const runningAs = accounts.currentName();
  const uid = accounts.currentUid();
  if (uid !== 0) {
    return { isolated: false, reason: 'not-root', user: name, runningAs, detail: `ServerGem runs as ${runningAs}, not root` };
  }
  let found = await accounts.find(name);
  if (!found) {
    try {
      await accounts.create(name);
      found = await accounts.find(name);
    } catch (error) {
      // Two services of one installation may race to create it; the loser finds it made.
      found = await accounts.find(name);
      if (!found) return { isolated: false, reason: 'cannot-create', user: name, runningAs, detail: (error as Error).message };
    }
    if (!found) return { isolated: false, reason: 'cannot-create', user: name, runningAs, detail: 'useradd succeeded but the user cannot be found' };
  }
  if (found.uid === 0) return { isolated: false, reason: 'privileged', user: name, runningAs, detail: `${name} has uid 0` };
  return { isolated: true, user: name, uid: found.uid, gid: found.gid };
}

const identities = new Map<string, Promise<AppIdentity>>();

/** resolveAppIdentity against this machine, once per process (the builder and deployer share it all-in-one). */
export function appIdentity(name: string): Promise<AppIdentity> {
  let identity = identities.get(name);
  if (!identity) {
    identity = resolveAppIdentity(name);
    identities.set(name, identity);
  }
  return identity;
}

/** What a person starting ServerGem needs to know about who their apps run as, in plain words. */
export function isolationNotice(identity: AppIdentity, home: string): { level: 'info' | 'warn'; text: string } {
  if (identity.isolated) {
    return {
      level: 'info',
      text: `Apps on the local target are installed, built and run as the unprivileged user ${identity.user} (uid ${identity.uid}), with no access to ${home}.`,
    };
  }
  const risk = (who: string) =>
    `they can read and change every file ${who} can, including ServerGem's keys and database in ${home}. Deploy only code you trust there, or deploy to Cloud Run.`;
  switch (identity.reason) {
    case 'not-root':
      return {
        level: 'warn',
        text:
          `Apps on the local target run as ${identity.runningAs}, the user running ServerGem (only root can start them as another user), so ${risk(identity.runningAs)} ` +
          `To run them as the unprivileged user ${identity.user} instead, start ServerGem as root.`,
      };
    case 'cannot-create':
      return {
        level: 'warn',
        text:
          `ServerGem could not create the user ${identity.user} to run apps as (${identity.detail}), so apps on the local target run as ${identity.runningAs} and ${risk(identity.runningAs)} ` +
          `To fix it, create the user (useradd --system --user-group --no-create-home --shell /usr/sbin/nologin ${identity.user}) or set APP_USER to an existing unprivileged user, and restart ServerGem.`,
      };
    case 'privileged':
      return {
        level: 'warn',
        text:
          `APP_USER=${identity.user} is a privileged user (uid 0), so apps on the local target run as ${identity.runningAs} and ${risk(identity.runningAs)} ` +
          `To fix it, set APP_USER to an unprivileged user (or leave it unset for servergem-app) and restart ServerGem.`,
      };
  }
}

/** Finds a user, or creates it as an unprivileged system user with a group of its own. */
export async function findOrCreateSystemUser(name: string, accounts: UserAccounts = systemAccounts): Promise<RunAs> {
  const found = await accounts.find(name);
  if (found) return found;
  try {
    await accounts.create(name);
  } catch (error) {
    const again = await accounts.find(name);
    if (again) return again;
    throw error;
  }
  const created = await accounts.find(name);
  if (!created) throw new Error(`useradd reported success but ${name} cannot be found`);
  return created;
}

/** The account tools get nothing of ServerGem's environment but where to find them. */
const SYSTEM_TOOLS = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' };

export const systemAccounts: UserAccounts = {
  currentUid: () => process.getuid?.() ?? null,
  currentName: () => {
    try {
      return userInfo().username;
    } catch {
      return `uid ${process.getuid?.() ?? '?'}`;
    }
  },
  async find(name) {
    const line = await passwdEntry(name);
    const fields = line?.split(':');
    const uid = Number(fields?.[2]);
    const gid = Number(fields?.[3]);
    return fields && Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  },
  async create(name) {
    const shell = ['/usr/sbin/nologin', '/sbin/nologin', '/bin/false'].find((s) => existsSync(s)) ?? '/bin/false';
    const result = await runProcess('useradd', ['--system', '--user-group', '--no-create-home', '--shell', shell, name], {
      env: SYSTEM_TOOLS,
      timeoutMs: 30_000,
    }).catch((error: NodeJS.ErrnoException) => {
      throw new Error(error.code === 'ENOENT' ? 'useradd is not installed' : `useradd could not run: ${error.message}`);
    });
    if (result.code !== 0) throw new Error(`useradd failed: ${result.lastLines.join(' ') || `exit code ${result.code}`}`);
  },
};

/** `name:x:uid:gid:…` from getent (which also asks LDAP and the like), else from /etc/passwd. */
async function passwdEntry(name: string): Promise<string | null> {
  const lines: string[] = [];
  const result = await runProcess('getent', ['passwd', name], { env: SYSTEM_TOOLS, onLine: (l) => lines.push(l), timeoutMs: 10_000 }).catch(() => null);
  if (result) return result.code === 0 ? (lines[0] ?? null) : null;
  try {
    return (
      readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`${name}:`)) ?? null
    );
  } catch {
    return null;
  }
}
