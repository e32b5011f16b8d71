import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { commandArgv, firstBlockedFolder, isSameProcessAlive, killGroup, processStartTime, type RunAs } from '#common';
import type { AppLog } from './app-log.js';
import { startLogWriter, type LogWriter } from './log-writer.js';
import { npmStartScript } from './npm-start.js';
import type { RecordedProcess, Revision } from './runtime-state.js';

export interface Launched {
  child: ChildProcess;
  record: RecordedProcess;
  /** Settles when the process exits (or fails to start), with a short description. */
  exited: Promise<string>;
  /** The redacting writer its output goes through to app.log. */
  logs: LogWriter;
  /** What runs: the start command, or the start script `npm start` would run. */
  command: string;
}

/** Who an app runs as and the plain environment it starts from. */
export interface AppLaunch {
  /** As root: the app user (Node drops every supplementary group); otherwise the user running ServerGem. */
  runAs: RunAs | undefined;
  /** The service's own HOME, kept across releases. */
  home: string;
  path: string;
  lang: string;
  /** The host's extra certificate authorities for Node (NODE_EXTRA_CA_CERTS), when it has some. */
  caCerts?: string;
  host: string;
  /** Opens a sealed secret of the service, for its environment only. */
  openSecret: (sealed: string) => string;
}

/**
 * What the app sees, and nothing more: none of ServerGem's own settings or secrets; PORT and
 * HOST; its own HOME; the release's Python virtualenv first on PATH when the build made one, then
 * the toolchain its build provisioned (pnpm, Yarn, Bun, Deno from the toolchain cache); and the
 * service's own variables and secrets (its settings).
 */
export function appEnvironment(
  appDir: string,
  port: number,
  launch: AppLaunch,
  settings: Pick<Revision, 'env' | 'path'> = { env: {} },
  secrets: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const venv = join(appDir, '.venv');
  const path = [...(settings.path ?? []), launch.path].join(':');
  const python = existsSync(join(venv, 'bin')) ? { PATH: `${join(venv, 'bin')}:${path}`, VIRTUAL_ENV: venv, PYTHONUNBUFFERED: '1' } : {};
  return {
    PATH: path,
    HOME: launch.home,
    LANG: launch.lang,
    ...(launch.caCerts ? { NODE_EXTRA_CA_CERTS: launch.caCerts } : {}),
    NODE_ENV: 'production',
    HOST: launch.host,
    ...python,
    // The service's own settings go over ServerGem's defaults; PORT is the platform's alone.
    ...settings.env,
    ...secrets,
    PORT: String(port),
  };
}

/**
 * Starts one release detached, in its own process group, its output going to app.log through a
 * redacting log writer of its own (also detached): nothing ties either to ServerGem, so the app
 * keeps serving, and logging without its secrets, while ServerGem restarts.
 */
export async function launchRelease(revision: Revision, port: number, launch: AppLaunch, log: AppLog): Promise<Launched> {
  const script = npmStartScript(revision.startCommand, revision.appDir, revision.releaseDir);
  // The rule a Dockerfile's CMD follows too: plain argv, or `sh -c` for a command that needs a shell.
  const [program, ...args] = commandArgv(script?.command ?? revision.startCommand);
  if (!program) throw new Error('the start command is empty');
  const blocked = launch.runAs && firstBlockedFolder(join(revision.appDir, 'package.json'), launch.runAs);
  if (blocked) {
    // A release an earlier ServerGem built in its home, before apps ran as a user of their own.
    throw new Error(`its release ${revision.appDir} is inside ${blocked.folder}, which the app user cannot enter; deploy the service again`);
  }
  const secrets = Object.fromEntries(Object.entries(revision.sealedSecrets).map(([name, sealed]) => [name, launch.openSecret(sealed)]));
  const logs = startLogWriter(log.path, Object.values(secrets));
  const env = appEnvironment(revision.appDir, port, launch, revision, secrets);
  if (script) Object.assign(env, script.env, { PATH: [...script.binPath, env.PATH].join(':') });
  let child: ChildProcess;
  try {
    child = spawn(program, args, {
      cwd: revision.appDir,
      env,
      stdio: ['ignore', logs.input, logs.input],
      detached: true,
      ...(launch.runAs ?? {}),
    });
  } finally {
    // The app holds its own end now: when it (and all it started) is gone, the writer ends.
    logs.closeInput();
  }
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code !== null ? `exit code ${code}` : `signal ${signal}`));
    child.once('error', (error) => resolve(`could not start: ${error.message}`));
  });
  const started = await Promise.race([once(child, 'spawn').then(() => true), exited.then(() => false)]);
  if (!started || !child.pid) {
    logs.release();
    throw new Error(await exited);
  }
  child.unref();
  return {
    child,
    exited,
    logs,
    command: script?.command ?? revision.startCommand,
    record: {
      pid: child.pid,
      startTime: processStartTime(child.pid),
      privatePort: port,
      deploymentId: revision.deploymentId,
      startedAt: new Date().toISOString(),
    },
  };
}

/** SIGTERM to the process group, SIGKILL to whatever is left after the grace period. */
export async function stopProcess(record: RecordedProcess, graceMs = 5000): Promise<void> {
  if (!isSameProcessAlive(record.pid, record.startTime)) {
    killLeftovers(record.pid);
    return;
  }
  killGroup(record.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && isSameProcessAlive(record.pid, record.startTime)) await new Promise((r) => setTimeout(r, 50));
  killGroup(record.pid, 'SIGKILL');
  // A SIGKILL lands a moment later: "stopped" means gone, so wait (briefly) until it is.
  const gone = Date.now() + 2000;
  while (Date.now() < gone && isSameProcessAlive(record.pid, record.startTime)) await new Promise((r) => setTimeout(r, 10));
}

/**
 * Kills what is left of a dead leader's process group (e.g. the node under a SIGKILLed npm). Only
 * the group: the leader's pid alone may already belong to someone else.
 */
export function killLeftovers(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // No such group: nothing left.
  }
}
