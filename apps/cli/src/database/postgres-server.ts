import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LineSplitter, runProcess, type RunAs } from '#common';
import type { PostgresBinaries } from './postgres-binaries.js';

/** A PostgreSQL failure with the server's own last lines, for the message ServerGem builds from it. */
export class PostgresFailure extends Error {
  constructor(
    message: string,
    readonly logs: string[],
  ) {
    super(message);
  }
}

export interface ClusterOptions {
  binaries: PostgresBinaries;
  dataDir: string;
  /** As root: the user PostgreSQL runs as (it refuses to run as root). */
  runAs?: RunAs;
}

/** None of ServerGem's environment (its settings and secrets) reaches PostgreSQL. */
const ENVIRONMENT = { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' };
const READY = 'database system is ready to accept connections';

/** initdb with password (SCRAM) authentication for every connection, the password from a 0600 file. */
export async function initCluster(options: ClusterOptions & { user: string; password: string }): Promise<void> {
  const { dataDir, runAs } = options;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (runAs) chownSync(dataDir, runAs.uid, runAs.gid);
  // Next to the data folder, readable by the database user only, and gone once initdb has read it.
  const passwordFile = join(dirname(dataDir), `.initdb-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${options.password}\n`, { mode: 0o600 });
  if (runAs) chownSync(passwordFile, runAs.uid, runAs.gid);
  try {
    const result = await runProcess(
      options.binaries.initdb,
      [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${options.user}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'],
      { env: ENVIRONMENT, runAs, timeoutMs: 180_000, keepLines: 20 },
    ).catch((error: NodeJS.ErrnoException) => {
      throw new PostgresFailure(`initdb could not run (${error.code ?? error.message})`, []);
    });
    if (result.code !== 0) {
      const reason =
        result.lastLines.find((l) => /^initdb: error:/.test(l))?.replace(/^initdb: error:\s*/, '') ?? `initdb exited with ${result.code ?? result.signal}`;
      throw new PostgresFailure(reason, result.lastLines);
    }
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/** The PostgreSQL server of one cluster, on 127.0.0.1 only (no Unix socket), stopped with ServerGem. */
export class PostgresServer {
  private readonly stopOnExit = () => this.child.kill('SIGINT');

  private constructor(private readonly child: ChildProcess) {
    process.once('exit', this.stopOnExit);
  }

  static async start(options: ClusterOptions & { port: number; onLine: (line: string) => void }): Promise<PostgresServer> {
    await stopLeftover(options.dataDir);
    const child = spawn(
      options.binaries.postgres,
      ['-D', options.dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'lc_messages=C'],
      { env: ENVIRONMENT, stdio: ['ignore', 'ignore', 'pipe'], ...(options.runAs ?? {}) },
    );
    const recent: string[] = [];
    let ready = false;
    const ok = await new Promise<true | string>((resolve) => {
      const lines = new LineSplitter((line) => {
        recent.push(line);
        if (recent.length > 30) recent.shift();
        if (line.includes(READY)) {
          ready = true;
          resolve(true);
        } else if (ready && /\b(FATAL|PANIC):/.test(line)) options.onLine(line);
      });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => lines.push(chunk));
      child.once('error', (error) => resolve(`postgres could not run (${(error as NodeJS.ErrnoException).code ?? error.message})`));
      child.once('exit', (code, signal) => resolve(`postgres exited with ${code ?? signal}`));
    });
    if (ok !== true) {
      // Its FATAL line once logging is up; before that, what it printed as `postgres: …`.
      const reason =
        recent.find((l) => /\bFATAL:/.test(l))?.replace(/^.*?FATAL:\s*/, '') ??
        [...recent]
          .reverse()
          .find((l) => l.startsWith('postgres: '))
          ?.slice('postgres: '.length) ??
        ok;
      throw new PostgresFailure(reason, recent);
    }
    return new PostgresServer(child);
  }

  /** A fast shutdown: sessions end, everything committed is on disk. */
  async stop(): Promise<void> {
    process.off('exit', this.stopOnExit);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGINT');
    await exited;
  }
}

/**
 * A PostgreSQL left running on this cluster by a ServerGem that did not stop cleanly (killed,
 * crashed). Only one ServerGem runs per home, so it is ours to stop.
 */
export async function stopLeftover(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgres(pid)) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return; // Not ours to stop: PostgreSQL itself will say the folder is in use.
  }
  for (let waited = 0; waited < 30_000 && isPostgres(pid); waited += 100) await new Promise((r) => setTimeout(r, 100));
  if (isPostgres(pid)) throw new PostgresFailure(`an earlier PostgreSQL (pid ${pid}) still runs on ${dataDir} and does not stop`, []);
}

function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!.endsWith('postgres');
  } catch {
    return false;
  }
}
