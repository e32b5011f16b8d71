/**
 * One service's front door as a process of its own: its stable URL, forwarding to whichever private
 * port the service's state.json names. It imports nothing of Nest or the deployer, so it starts in a
 * blink, and it is detached from ServerGem, so the URL keeps answering while ServerGem is stopped
 * or restarting; the next deployer finds it alive and re-adopts it, as it does the app.
 *
 * Started by `startFrontDoor` with an IPC channel: it answers `{ listening: port }` or
 * `{ error: code, message }`, and is on its own once the channel is closed.
 */
import { statSync, readFileSync } from 'node:fs';
import { ServiceProxy } from './service-proxy.js';
import { frontDoorTarget } from './front-door-target.js';

interface Options {
  state: string;
  host: string;
  bind: string;
  port: number;
}

function options(argv: string[]): Options {
  const value = (flag: string): string => {
    const index = argv.indexOf(flag);
    const found = index >= 0 ? argv[index + 1] : undefined;
    if (found === undefined) throw new Error(`missing ${flag}`);
    return found;
  };
  return { state: value('--state'), host: value('--host'), bind: value('--bind'), port: Number(value('--port')) };
}

/** The target port, read again only when state.json was replaced (it is always written by rename). */
function stateReader(path: string): { port: () => number | null; gone: () => boolean } {
  let seen = '';
  let port: number | null = null;
  let missingSince: number | null = null;
  const read = (): void => {
    try {
      const stat = statSync(path);
      missingSince = null;
      const key = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
      if (key === seen) return;
      port = frontDoorTarget(JSON.parse(readFileSync(path, 'utf8')));
      seen = key;
    } catch {
      // Missing, or caught between two writes: no target until a whole state.json is there.
      missingSince ??= Date.now();
      port = null;
      seen = '';
    }
  };
  return {
    port: () => {
      read();
      return port;
    },
    gone: () => {
      read();
      return missingSince !== null && Date.now() - missingSince > 3000;
    },
  };
}

function main(): void {
  const opts = options(process.argv.slice(2));
  const state = stateReader(opts.state);
  const proxy = new ServiceProxy(opts.host, state.port, opts.bind);
  const send = (message: object): void => {
    if (process.send && process.connected) process.send(message);
  };
  proxy.listen(opts.port).then(
    (port) => {
      send({ listening: port });
      if (process.connected) process.disconnect();
    },
    (error: NodeJS.ErrnoException) => {
      send({ error: error.code ?? 'ERROR', message: error.message });
      process.exit(1);
    },
  );
  const shutDown = () => void proxy.close().finally(() => process.exit(0));
  process.on('SIGTERM', shutDown);
  process.on('SIGINT', shutDown);
  // The service was deleted (its state.json is gone for good): nothing is left to be the door of.
  const watch = setInterval(() => {
    if (state.gone()) shutDown();
  }, 1000);
  watch.unref();
}

main();
