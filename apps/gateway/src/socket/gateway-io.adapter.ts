import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import type { AccessTokens } from '../access-tokens.js';
import { plainAddress, type FrontDoor } from '../front-door.js';
import type { GatewayConfig } from '../gateway.config.js';
import type { RefusalLog } from '../refusal-log.js';
import { SocketsPerAddress } from './sockets-per-address.js';

export interface SocketRules {
  config: GatewayConfig;
  door: FrontDoor;
  tokens: AccessTokens;
  refusals: RefusalLog;
}

/**
 * Socket.IO with the gateway's rules: 1 MB messages at most; at the handshake (reconnections
 * included) the front door's Host and Origin rules and a cap on sockets per client address, then
 * the access token.
 */
export class GatewayIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly rules: SocketRules,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const { config, door, tokens, refusals } = this.rules;
    const perAddress = new SocketsPerAddress(config.SOCKETS_PER_ADDRESS);
    const server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: 1_000_000,
      cors: { origin: config.ALLOWED_ORIGINS, credentials: false },
      // Refused here, a handshake never becomes a connection: the reason is the answer's body.
      allowRequest: (req: IncomingMessage, callback: (error: string | null, success: boolean) => void) => {
        const from = plainAddress(req.socket.remoteAddress);
        const refusal = door.judgeHandshake(req);
        if (refusal) {
          refusals.warn(`${refusal.code} ${req.headers.host} ${req.headers.origin}`, `Refused a socket from ${from}: ${refusal.message}`);
          return callback(`${refusal.message} ${refusal.hint}`, false);
        }
        if (!perAddress.hasRoom(from)) {
          refusals.warn(`cap ${from}`, `Refused a socket from ${from}: it holds ${perAddress.limit} open already (SOCKETS_PER_ADDRESS).`);
          return callback(
            `Too many sockets from ${from}: at most ${perAddress.limit} may be open at once. ` +
              'Close other tabs or clients of this server and try again, or raise SOCKETS_PER_ADDRESS on the server.',
            false,
          );
        }
        callback(null, true);
      },
    } as ServerOptions) as Server;
    server.engine.on('connection', (connection: { remoteAddress: string; once(event: 'close', listener: () => void): void }) => {
      const from = plainAddress(connection.remoteAddress);
      perAddress.opened(from);
      connection.once('close', () => perAddress.closed(from));
    });
    server.use((socket, next) => {
      const owner = tokens.ownerOf(socket.handshake.auth?.token);
      if (!owner) {
        const refusal = tokens.refusal();
        const error = new Error(`unauthorized: ${refusal.message}`) as Error & { data: unknown };
        error.data = { code: refusal.code, message: refusal.message, hint: refusal.hint };
        return next(error);
      }
      socket.data.owner = owner;
      next();
    });
    return server;
  }
}
