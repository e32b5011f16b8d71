import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import type { GatewayConfig } from '../gateway.config.js';
import { ownerFor } from '../owner.js';

/**
 * Socket.IO with the gateway's rules: 1 MB messages at most, an origin allowlist, and the access
 * token checked at every handshake (reconnections included).
 */
export class GatewayIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: GatewayConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const extra = this.config.ALLOWED_ORIGINS;
    const server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: 1_000_000,
      cors: { origin: extra, credentials: false },
      allowRequest: (req, callback) => {
        const origin = req.headers.origin;
        // Browsers always send Origin; the CLI and other programs send none and rely on the token.
        // A page we served ourselves has our own host as its origin, whatever port we bound.
        const sameOrigin = origin !== undefined && (origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`);
        callback(null, origin === undefined || sameOrigin || extra.includes(origin));
      },
    } as ServerOptions) as Server;
    server.use((socket, next) => {
      const owner = ownerFor(this.config.AUTH_TOKEN, socket.handshake.auth?.token);
      if (!owner) return next(new Error('unauthorized: a valid access token is required'));
      socket.data.owner = owner;
      next();
    });
    return server;
  }
}
