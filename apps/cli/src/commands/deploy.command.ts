import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { DomainError } from '#common';
import {
  wireErrorSchema,
  type ClientToServerEvents,
  type DeploymentComplete,
  type DeploymentError,
  type DeploymentUpdate,
  type RequestError,
  type ServerMessage,
  type ServerToClientEvents,
} from '#contracts';
import { DeployProgress } from './deploy-progress.js';
import { callServer } from './server-api.js';

export interface DeployOptions {
  branch?: string;
  appPath?: string;
  server: string;
  json: boolean;
  token?: string;
  githubToken?: string;
  /** Settings the deployment brings to its service: variables, build-time variables, secrets, build-time secrets. */
  env?: Record<string, string>;
  buildEnv?: Record<string, string>;
  secrets?: Record<string, string>;
  buildSecrets?: Record<string, string>;
}

/**
 * `servergem deploy`: sends the deploy message over Socket.IO like the web UI, prints every stage
 * and log line as it comes, and survives reconnections by replaying from the last `seq`.
 * Resolves with the exit code: 0 live, 1 failed.
 */
export function deployCommand(target: string, options: DeployOptions): Promise<number> {
  const repoUrl = localPath(target) ? resolve(target) : target;
  const settings = {
    ...(options.env && Object.keys(options.env).length ? { env: options.env } : {}),
    ...(options.buildEnv && Object.keys(options.buildEnv).length ? { buildEnv: options.buildEnv } : {}),
    ...(options.secrets && Object.keys(options.secrets).length ? { secrets: options.secrets } : {}),
    ...(options.buildSecrets && Object.keys(options.buildSecrets).length ? { buildSecrets: options.buildSecrets } : {}),
  };
  return streamDeployment(options, (socket) =>
    socket.emit('message', {
      type: 'message',
      message: `deploy ${repoUrl}`,
      context: { action: 'deploy', repoUrl, branch: options.branch, appPath: options.appPath, githubToken: options.githubToken, ...settings },
      clientMessageId: randomUUID(),
    }),
  );
}

/**
 * What is not a URL (`https:`, `file:`) or an SSH address is a folder of this machine, resolved
 * here: the server, which needs an absolute path, then names the folder that is not there.
 */
function localPath(target: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(target) && !/^[^/\s]+@[^/\s]+:/.test(target);
}

/** Follows a deployment that was started some other way (a settings change, a redeploy) to its end, like `deploy` does. */
export function followDeployment(deploymentId: string, options: Pick<DeployOptions, 'server' | 'json' | 'token'>): Promise<number> {
  return streamDeployment(options, (socket) => socket.emit('subscribe', { deploymentId, afterSeq: 0 }), deploymentId);
}

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

function streamDeployment(options: Pick<DeployOptions, 'server' | 'json' | 'token'>, begin: (socket: ClientSocket) => void, known?: string): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  const emitJson = (payload: unknown) => out(JSON.stringify(payload));

  return new Promise((done) => {
    const socket: ClientSocket = io(options.server, {
      auth: options.token ? { token: options.token } : {},
      transports: ['websocket'],
      reconnectionDelayMax: 2000,
    });
    let deploymentId: string | undefined = known;
    let lastSeq = 0;
    const progress = new DeployProgress(process.stdout);
    let connectedOnce = false;
    let finished = false;
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      socket.close();
      progress.finish();
      done(code);
    };

    socket.on('connect', () => {
      if (!connectedOnce) {
        connectedOnce = true;
        begin(socket);
      } else if (deploymentId) {
        if (!options.json) err('(reconnected; catching up)');
        socket.emit('subscribe', { deploymentId, afterSeq: lastSeq });
      }
    });
    socket.on('connect_error', (error: Error & { data?: unknown }) => {
      if (connectedOnce) return; // Socket.IO keeps retrying; the deployment goes on server-side.
      socket.close();
      void explainConnectError(options, error).then(({ reason, hint }) => {
        err(`Could not connect to ServerGem at ${options.server}: ${reason}`);
        err(`hint: ${hint}`);
        finish(1);
      });
    });
    socket.on('message', (payload: ServerMessage) => {
      if (options.json) emitJson(payload);
      const id = payload.data.metadata.deploymentId;
      if (typeof id === 'string') {
        deploymentId = id;
        if (!options.json) out(`Deployment ${id}`);
      } else if (!options.json) out(payload.data.content);
    });
    socket.on('deployment_update', (payload: DeploymentUpdate) => {
      const update = payload.data;
      if (update.deploymentId !== deploymentId || update.seq <= lastSeq) return;
      lastSeq = update.seq;
      if (options.json) return emitJson(payload);
      progress.update(update);
    });
    socket.on('deployment_complete', (payload: DeploymentComplete) => {
      if (payload.data.deploymentId !== deploymentId) return;
      if (options.json) emitJson(payload);
      else {
        progress.finish();
        out(`\n✔ ${payload.data.service_name} is live`);
        out(payload.data.url);
      }
      finish(0);
    });
    socket.on('deployment_error', (payload: DeploymentError) => {
      if (payload.data.deploymentId !== deploymentId) return;
      if (options.json) emitJson(payload);
      else {
        progress.finish();
        err(`\n✖ ${payload.data.stage} failed (${payload.data.code}): ${payload.data.message}`);
        if (payload.data.hint) err(`hint: ${payload.data.hint}`);
      }
      finish(1);
    });
    socket.on('request_error', (payload: RequestError) => {
      if (options.json) emitJson(payload);
      else {
        err(`✖ ${payload.data.code}: ${payload.data.message}`);
        if (payload.data.hint) err(`hint: ${payload.data.hint}`);
      }
      finish(1);
    });
  });
}

/**
 * Why the socket was refused, in words a person can act on. A refusal from the token check carries
 * its reason; a refused handshake or an unreachable server shows as a transport error, so the
 * same server is asked over REST, whose answer says what is wrong (wrong host, not running...).
 */
async function explainConnectError(
  options: Pick<DeployOptions, 'server' | 'token'>,
  error: Error & { data?: unknown },
): Promise<{ reason: string; hint: string }> {
  const refused = wireErrorSchema.safeParse(error.data);
  if (refused.success) return { reason: refused.data.message, hint: refused.data.hint ?? 'Check the server log.' };
  try {
    await callServer(options, '/api/deployments?limit=1');
  } catch (probe) {
    if (probe instanceof DomainError) return { reason: probe.message, hint: probe.hint || 'Check the server log.' };
    return { reason: error.message, hint: 'start it with `npm start` (or `npx servergem up`), or pass --server <url>.' };
  }
  return {
    reason: `the socket was refused (${error.message})`,
    hint: 'The server answers over REST; its log says why it refused the socket (too many open from this address?).',
  };
}
