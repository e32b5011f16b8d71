import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { isSameProcessAlive, killGroup, processStartTime } from '#common';
import { detachedScript } from './detached-script.js';

/** A running front door, as state.json records it so the next deployer can re-adopt it. */
export interface FrontDoorRecord {
  pid: number;
  startTime: string | null;
  port: number;
}

export interface FrontDoorLaunch {
  /** The service's state.json: the door reads its target from it. */
  stateFile: string;
  /** Where the apps listen. */
  host: string;
  /** Where the door listens. */
  bind: string;
  /** The stable port, or 0 for any free one. */
  port: number;
  /** Where the door's own complaints go (it prints nothing while all is well). */
  logFile: string;
}

const START_TIMEOUT_MS = 10_000;

/**
 * Starts a service's front door as a detached process of its own and waits until it listens. A port
 * that is taken fails with the listener's own error code (`EADDRINUSE`), as an in-process listen would.
 */
export async function startFrontDoor(launch: FrontDoorLaunch): Promise<FrontDoorRecord> {
  const fd = openSync(launch.logFile, 'a', 0o600);
  let child;
  try {
    child = spawn(
      process.execPath,
      [detachedScript('front-door-main'), '--state', launch.stateFile, '--host', launch.host, '--bind', launch.bind, '--port', String(launch.port)],
      // Nothing of ServerGem's environment: the door needs no setting and must hold no secret.
      { detached: true, stdio: ['ignore', fd, fd, 'ipc'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, cwd: '/' },
    );
  } finally {
    closeSync(fd);
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await new Promise<{ listening?: number; error?: string; message?: string }>((resolve, reject) => {
      child.once('message', (message) => resolve(message as { listening?: number; error?: string; message?: string }));
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`the front door exited (${code ?? signal}) before it listened; see ${launch.logFile}`)));
      timer = setTimeout(() => reject(new Error(`the front door did not listen within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    });
    if (answer.listening === undefined || !child.pid) {
      throw Object.assign(new Error(answer.message ?? 'the front door could not listen'), { code: answer.error });
    }
    return { pid: child.pid, startTime: processStartTime(child.pid), port: answer.listening };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
    child.removeAllListeners();
    if (child.connected) child.disconnect();
    child.unref();
  }
}

export function isFrontDoorAlive(record: FrontDoorRecord): boolean {
  return isSameProcessAlive(record.pid, record.startTime);
}

/** Closes a front door: its listener goes, in-flight requests finish, then it exits. */
export async function stopFrontDoor(record: FrontDoorRecord, graceMs = 2000): Promise<void> {
  if (!isFrontDoorAlive(record)) return;
  killGroup(record.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && isFrontDoorAlive(record)) await new Promise((r) => setTimeout(r, 25));
  if (isFrontDoorAlive(record)) killGroup(record.pid, 'SIGKILL');
}
