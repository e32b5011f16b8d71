import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  DeploymentComplete,
  DeploymentError,
  DeploymentUpdate,
  RequestError,
  ServerMessage,
  ServerToClientEvents,
} from '#contracts';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface DeployTranscript {
  deploymentId: string | undefined;
  replies: ServerMessage[];
  updates: DeploymentUpdate['data'][];
  complete?: DeploymentComplete['data'];
  error?: DeploymentError['data'];
  rejected?: RequestError['data'];
}

/** A running ServerGem a test talks to: its URL and a token it accepts (an `AllInOne` is one). */
export interface ServerUnderTest {
  url: string;
  token: string;
}

/** A server with its token, or a bare URL for a socket that sends none (to test refusals). */
export type ServerTarget = ServerUnderTest | string;

/** A socket to the server, sending its token as the web UI and the CLI do (`auth.token`). */
export function connect(target: ServerTarget, auth: Record<string, string> = {}): TestSocket {
  const { url, token } = typeof target === 'string' ? { url: target, token: undefined } : target;
  return io(url, { transports: ['websocket'], auth: { ...(token ? { token } : {}), ...auth }, reconnection: false, forceNew: true });
}

/** Sends the deploy message as the web UI does and collects everything until the deployment ends. */
export function deployOverSocket(
  server: ServerTarget,
  context: { repoUrl: string; branch?: string; appPath?: string; githubToken?: string },
  options: { timeoutMs?: number; clientMessageId?: string } = {},
): Promise<DeployTranscript> {
  const socket = connect(server);
  const transcript: DeployTranscript = { deploymentId: undefined, replies: [], updates: [] };
  return new Promise<DeployTranscript>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`The deployment did not end within ${options.timeoutMs ?? 120_000} ms: ${JSON.stringify(transcript.updates.at(-1))}`));
    }, options.timeoutMs ?? 120_000);
    const end = () => {
      clearTimeout(timer);
      socket.close();
      resolve(transcript);
    };
    socket.on('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('message', (reply) => {
      transcript.replies.push(reply);
      const id = reply.data.metadata.deploymentId;
      if (typeof id === 'string') transcript.deploymentId = id;
    });
    socket.on('deployment_update', (update) => transcript.updates.push(update.data));
    socket.on('deployment_complete', (complete) => {
      transcript.complete = complete.data;
      end();
    });
    socket.on('deployment_error', (error) => {
      transcript.error = error.data;
      end();
    });
    socket.on('request_error', (rejected) => {
      transcript.rejected = rejected.data;
      end();
    });
    socket.emit('message', {
      type: 'message',
      message: `deploy ${context.repoUrl}`,
      context: { action: 'deploy', ...context },
      clientMessageId: options.clientMessageId ?? randomUUID(),
    });
  });
}

export interface DeploymentWatch {
  /** The seq of every `deployment_update` the client got, in the order it got them. */
  seqs: number[];
  /** Every `deployment_update` the client got, in the order it got them. */
  updates: DeploymentUpdate['data'][];
  /** How many times it left and subscribed again. */
  reconnects: number;
  /** Why the server refused the subscription, if it did (other than being unable to reach its store for now). */
  refused?: RequestError['data'];
  /** Settles once it got the deployment's end (`deployment_complete` or `deployment_error`). */
  ended: Promise<void>;
  close(): void;
}

/**
 * A client watching one deployment as the web UI and the CLI do: it subscribes with `afterSeq`,
 * and every `reconnectEvery` events it drops its socket and subscribes again on a new one, after
 * the last seq it saw; refused because the server cannot reach the event store for now (or in
 * time), it asks again a second later. A client that sees every stored event after `afterSeq` exactly once has
 * `seqs` equal to them.
 */
export function watchDeployment(server: ServerTarget, deploymentId: string, options: { afterSeq?: number; reconnectEvery?: number } = {}): DeploymentWatch {
  let lastSeq = options.afterSeq ?? 0;
  let socket: TestSocket | undefined;
  let done = false;
  let end!: () => void;
  const watch: DeploymentWatch = {
    seqs: [],
    updates: [],
    reconnects: -1,
    ended: new Promise<void>((resolve) => (end = resolve)),
    close: () => {
      done = true;
      socket?.close();
      end();
    },
  };
  const open = () => {
    watch.reconnects++;
    const current = connect(server);
    socket = current;
    let received = 0;
    current.on('connect', () => current.emit('subscribe', { deploymentId, afterSeq: lastSeq }));
    current.on('deployment_update', (update) => {
      if (update.data.deploymentId !== deploymentId) return;
      watch.seqs.push(update.data.seq);
      watch.updates.push(update.data);
      lastSeq = Math.max(lastSeq, update.data.seq);
      // The last event is followed by the deployment's end on the same socket: no leaving then.
      const last = ['live', 'failed', 'cancelled'].includes(update.data.stage);
      if (options.reconnectEvery && ++received % options.reconnectEvery === 0 && !done && !last) {
        current.close();
        open();
      }
    });
    for (const last of ['deployment_complete', 'deployment_error'] as const) current.on(last, () => watch.close());
    current.on('request_error', (refused) => {
      current.close();
      // The store could not be asked (the orchestrator is away, or went while asked): a client asks again a moment later.
      if (['SERVICE_UNAVAILABLE', 'TIMEOUT'].includes(refused.data.code) && !done) setTimeout(() => !done && open(), 1000);
      else {
        watch.refused = refused.data;
        watch.close();
      }
    });
  };
  open();
  return watch;
}

/** The `seq` values of a log are exactly 1..n. */
export function isGapFree(seqs: number[]): boolean {
  return seqs.every((seq, index) => seq === index + 1);
}
