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

/** The `seq` values of a log are exactly 1..n. */
export function isGapFree(seqs: number[]): boolean {
  return seqs.every((seq, index) => seq === index + 1);
}
