import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

export interface Distributed {
  /** The first gateway's URL. */
  url: string;
  /** The gateway's access token: AUTH_TOKEN from the environment given, or one made for the run. */
  token: string;
  /** Every gateway started, by name (`gateway`, `gateway-2`, …), each on a port of its own, with the same token. */
  gateways: Map<string, { url: string; token: string }>;
  processes: Map<string, ChildProcess>;
  output: Map<string, string[]>;
  /** Starts (again) one service's process under a name: `builder` after it was killed, or `builder-2` for a second replica. */
  start(name: string, service?: (typeof SERVICES)[number]): ChildProcess;
  /** SIGKILLs a process and resolves once it is gone: a crash, with no chance to tidy up. */
  kill(name: string): Promise<void>;
  /** Stops every process, then deletes the JetStream streams of the namespace it was given (`SERVERGEM_NAMESPACE`). */
  stop(): Promise<void>;
}

export const SERVICES = ['orchestrator', 'analyzer', 'builder', 'deployer', 'gateway'] as const;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Where a test installation of the distributed mode keeps its state: one name for its subjects, streams and schema. */
export interface InstallationPlace {
  natsUrl: string;
  databaseUrl: string;
  /** `SERVERGEM_NAMESPACE` and `DATABASE_SCHEMA` both. */
  namespace: string;
  home: string;
}

/**
 * The settings every test installation of the distributed mode starts from: subjects, streams and
 * a schema of its own (other runs on the same NATS and PostgreSQL never answer its requests), its
 * own home and key, and local sources allowed (the tests deploy folders); `extra` adds or overrides.
 */
export function installationEnv(place: InstallationPlace, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    NATS_URL: place.natsUrl,
    SERVERGEM_NAMESPACE: place.namespace,
    DATABASE_URL: place.databaseUrl,
    DATABASE_SCHEMA: place.namespace,
    SERVERGEM_HOME: place.home,
    SERVERGEM_SECRET_KEY: randomBytes(16).toString('hex'),
    ALLOW_LOCAL_SOURCES: 'true',
    APP_START_TIMEOUT_SECONDS: '30',
    ...extra,
  };
}

export interface DistributedOptions {
  /** Services not started at all. */
  without?: (typeof SERVICES)[number][];
  /** How many processes of a service to start (1 unless said): the second is named `<service>-2`, and so on. */
  replicas?: Partial<Record<(typeof SERVICES)[number], number>>;
}

/**
 * Each service from the build output in its own process (all five, or all but those left out, as
 * many of each as asked), talking over the given NATS and PostgreSQL. Resolves once every gateway is ready.
 */
export async function startDistributed(root: string, env: NodeJS.ProcessEnv, options: DistributedOptions = {}): Promise<Distributed> {
  const names = (service: (typeof SERVICES)[number]) =>
    options.without?.includes(service) ? [] : Array.from({ length: options.replicas?.[service] ?? 1 }, (_, i) => (i === 0 ? service : `${service}-${i + 1}`));
  // Each gateway listens on a port of its own, kept when it is started again.
  const ports = new Map<string, number>();
  for (const name of names('gateway')) ports.set(name, await freePort());
  const port = ports.get('gateway') ?? (await freePort());
  const token = env.AUTH_TOKEN?.split(',')[0] ?? randomBytes(32).toString('base64url');
  env = { ...env, AUTH_TOKEN: env.AUTH_TOKEN ?? token };
  const processes = new Map<string, ChildProcess>();
  const output = new Map<string, string[]>();
  const start = (name: string, service: (typeof SERVICES)[number] = name as (typeof SERVICES)[number]): ChildProcess => {
    const child = spawn(process.execPath, [join(root, `dist/apps/${service}/src/main.js`)], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, PORT: String(ports.get(name) ?? port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = output.get(name) ?? [];
    output.set(name, lines);
    child.stdout!.setEncoding('utf8').on('data', (c: string) => lines.push(c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => lines.push(c));
    processes.set(name, child);
    return child;
  };
  const kill = (name: string): Promise<void> =>
    new Promise((resolve) => {
      const child = processes.get(name);
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  // A service left out is one that is not running at all (started later with `start`, if ever).
  for (const service of SERVICES) for (const name of names(service)) start(name, service);
  const url = `http://127.0.0.1:${port}`;
  const gateways = new Map([...ports].map(([name, p]) => [name, { url: `http://127.0.0.1:${p}`, token }]));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await Promise.all(
      (gateways.size > 0 ? [...gateways.values()].map((g) => g.url) : [url]).map((u) =>
        fetch(`${u}/ready`)
          .then((r) => r.ok)
          .catch(() => false),
      ),
    );
    if (ready.every(Boolean)) break;
    const dead = [...processes].find(([, child]) => child.exitCode !== null);
    if (dead || Date.now() > deadline) {
      await stopAll(processes);
      const name = dead?.[0] ?? 'gateway';
      throw new Error(`The distributed services did not become ready (${name}):\n${output.get(name)?.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = async () => {
    await stopAll(processes);
    // Only a namespace of the caller's own: the default one may be a real installation's on that server.
    if (env.NATS_URL && env.SERVERGEM_NAMESPACE) await deleteNamespaceStreams(env.NATS_URL, env.SERVERGEM_NAMESPACE);
  };
  return { url, token, gateways, processes, output, start, kill, stop };
}

/**
 * Deletes the JetStream streams (and with them their consumers) of one installation: those whose
 * subjects are all under its namespace, the first token of every subject it uses. Resolves with
 * their names. A NATS server that is gone (one a test started and stopped) has nothing left to delete.
 */
export async function deleteNamespaceStreams(natsUrl: string, namespace: string): Promise<string[]> {
  const nc = await connect({ servers: natsUrl.split(','), timeout: 3000 }).catch(() => null);
  if (!nc) return [];
  try {
    const jsm = await jetstreamManager(nc);
    const deleted: string[] = [];
    for await (const stream of jsm.streams.list()) {
      const subjects = stream.config.subjects ?? [];
      if (subjects.length === 0 || !subjects.every((s) => s.startsWith(`${namespace}.`))) continue;
      await jsm.streams.delete(stream.config.name);
      deleted.push(stream.config.name);
    }
    return deleted;
  } finally {
    await nc.close();
  }
}

async function stopAll(processes: Map<string, ChildProcess>): Promise<void> {
  await Promise.all(
    [...processes.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
}
