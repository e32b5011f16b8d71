import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface Distributed {
  url: string;
  /** The gateway's access token: AUTH_TOKEN from the environment given, or one made for the run. */
  token: string;
  processes: Map<string, ChildProcess>;
  output: Map<string, string[]>;
  /** Starts (again) one service's process under a name: `builder` after it was killed, or `builder-2` for a second replica. */
  start(name: string, service?: (typeof SERVICES)[number]): ChildProcess;
  /** SIGKILLs a process and resolves once it is gone: a crash, with no chance to tidy up. */
  kill(name: string): Promise<void>;
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

/** Each service from the build output in its own process, talking over the given NATS and PostgreSQL. */
export async function startDistributed(root: string, env: NodeJS.ProcessEnv): Promise<Distributed> {
  const port = await freePort();
  const token = env.AUTH_TOKEN?.split(',')[0] ?? randomBytes(32).toString('base64url');
  env = { ...env, AUTH_TOKEN: env.AUTH_TOKEN ?? token };
  const processes = new Map<string, ChildProcess>();
  const output = new Map<string, string[]>();
  const start = (name: string, service: (typeof SERVICES)[number] = name as (typeof SERVICES)[number]): ChildProcess => {
    const child = spawn(process.execPath, [join(root, `dist/apps/${service}/src/main.js`)], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, PORT: String(port) },
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
  for (const service of SERVICES) start(service);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await fetch(`${url}/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ready) break;
    const dead = [...processes].find(([, child]) => child.exitCode !== null);
    if (dead || Date.now() > deadline) {
      await stopAll(processes);
      const name = dead?.[0] ?? 'gateway';
      throw new Error(`The distributed services did not become ready (${name}):\n${output.get(name)?.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, token, processes, output, start, kill, stop: () => stopAll(processes) };
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
