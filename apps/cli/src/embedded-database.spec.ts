import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DomainError, findOrCreateSystemUser, InstallationLayout, servergemHome } from '#common';
import { packagedBinaries, type PostgresBinaries } from './database/postgres-binaries.js';
import { initCluster, PostgresServer } from './database/postgres-server.js';
import { startEmbeddedDatabase } from './embedded-database.js';

const asRoot = process.getuid?.() === 0;
const made: string[] = [];

/** A fresh installation, as the composition root makes it: a private home and its layout. */
function installation(): InstallationLayout {
  const home = servergemHome(join(mkdtempSync(join(tmpdir(), 'servergem-db-')), 'home'));
  made.push(join(home, '..'));
  const layout = InstallationLayout.resolve({ home });
  if (layout.separate) made.push(layout.shared);
  return layout;
}

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe(startEmbeddedDatabase.name, () => {
  it('keeps a password of its own per installation (0600 in the home), on 127.0.0.1 only', { timeout: 120_000 }, async () => {
    const layout = installation();
    const sut = await startEmbeddedDatabase({ layout, log: () => undefined });
    try {
      const password = readFileSync(join(layout.home, 'database.password'), 'utf8');
      expect(statSync(join(layout.home, 'database.password')).mode & 0o777).toBe(0o600);
      expect(new URL(sut.url).password).toBe(password);
      expect((await query(sut.url, 'SHOW listen_addresses')).rows[0].listen_addresses).toBe('127.0.0.1');
      expect((await query(sut.url, 'SHOW unix_socket_directories')).rows[0].unix_socket_directories).toBe('');
      const fixed = new URL(sut.url);
      fixed.password = 'servergem';
      await expect(query(fixed.toString(), 'SELECT 1')).rejects.toMatchObject({ code: '28P01' });
      if (asRoot) {
        // The postgres user owns its data; ServerGem's home stays closed to it.
        const postgres = await findOrCreateSystemUser('postgres');
        expect(statSync(sut.dataDir)).toMatchObject({ uid: postgres.uid });
        expect(statSync(sut.dataDir).mode & 0o777).toBe(0o700);
        expect(sut.dataDir.startsWith(layout.home)).toBe(false);
      }
    } finally {
      await sut.stop();
    }
  });

  it.runIf(asRoot)('runs PostgreSQL even when ServerGem itself sits under a folder the postgres user cannot enter', { timeout: 120_000 }, async () => {
    const packaged = packagedBinaries();
    const privateParent = mkdtempSync(join(tmpdir(), 'servergem-private-'));
    made.push(privateParent);
    cpSync(packaged.root, join(privateParent, 'native'), { recursive: true, verbatimSymlinks: true });
    const hidden: PostgresBinaries = {
      ...packaged,
      root: join(privateParent, 'native'),
      initdb: join(privateParent, 'native', 'bin', 'initdb'),
      postgres: join(privateParent, 'native', 'bin', 'postgres'),
    };
    const layout = installation();
    const lines: string[] = [];
    const sut = await startEmbeddedDatabase({ layout, log: (l) => lines.push(l), binaries: hidden });
    try {
      expect(lines.some((l) => l.startsWith(`Copying PostgreSQL ${packaged.version} to ${layout.shared}`))).toBe(true);
      expect(existsSync(join(layout.shared, `postgres-${packaged.version}`, 'bin', 'postgres'))).toBe(true);
      expect((await query(sut.url, 'SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await sut.stop();
    }
  });

  it.runIf(asRoot)('moves a cluster an earlier version kept in the home, with its data, and replaces the fixed password', { timeout: 120_000 }, async () => {
    const layout = installation();
    const legacy = join(layout.home, 'postgres');
    const postgres = await findOrCreateSystemUser('postgres');
    // What earlier versions did: a home other users can pass through, the cluster in it, the password `servergem`.
    chmodSync(join(layout.home, '..'), 0o755);
    chmodSync(layout.home, 0o711);
    const binaries = packagedBinaries();
    await initCluster({ binaries, dataDir: legacy, runAs: postgres, user: 'servergem', password: 'servergem' });
    const port = await freePort();
    const old = await PostgresServer.start({ binaries, dataDir: legacy, runAs: postgres, port, onLine: () => undefined });
    await query(`postgres://servergem:servergem@127.0.0.1:${port}/postgres`, 'CREATE DATABASE servergem');
    await query(`postgres://servergem:servergem@127.0.0.1:${port}/servergem`, "CREATE TABLE kept AS SELECT 'from before' AS note");
    await old.stop();
    servergemHome(layout.home);

    const lines: string[] = [];
    const sut = await startEmbeddedDatabase({ layout, log: (l) => lines.push(l) });
    try {
      expect(lines).toContain(
        `Moving the database cluster from ${legacy} to ${layout.databaseDir}, where PostgreSQL can reach it while ${layout.home} stays private`,
      );
      expect(existsSync(legacy)).toBe(false);
      expect((await query(sut.url, 'SELECT note FROM kept')).rows).toEqual([{ note: 'from before' }]);
      expect(new URL(sut.url).password).not.toBe('servergem');
    } finally {
      await sut.stop();
    }
  });

  it('says what went wrong and how to get going when PostgreSQL cannot start, not just its output', { timeout: 60_000 }, async () => {
    const layout = installation();
    mkdirSync(layout.databaseDir, { recursive: true, mode: 0o700 });
    // A cluster that is not one: PostgreSQL refuses it.
    writeFileSync(join(layout.databaseDir, 'PG_VERSION'), '7\n');
    if (asRoot) {
      const postgres = await findOrCreateSystemUser('postgres');
      for (const path of [layout.databaseDir, join(layout.databaseDir, 'PG_VERSION')]) chownSync(path, postgres.uid, postgres.gid);
    }
    const error = await startEmbeddedDatabase({ layout, log: () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE', message: expect.stringContaining(`PostgreSQL could not start in ${layout.databaseDir}: `) });
    const { hint, logs } = error as DomainError;
    expect(hint).toContain(asRoot ? 'SERVERGEM_SHARED_DIR=' : 'SERVERGEM_HOME=');
    expect(hint).toContain('DATABASE_URL=postgres://');
    // PostgreSQL's own reason, not only its exit code; its lines come along.
    expect((error as DomainError).message).toContain('could not access the server configuration file');
    expect(logs.length).toBeGreaterThan(0);
  });
});
