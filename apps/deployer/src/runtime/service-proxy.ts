import { createServer, request, Agent, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

/**
 * The service's stable address: forwards every request (streaming, method, headers and body as
 * they are) and websocket upgrades to whichever private port the current release listens on.
 */
export class ServiceProxy {
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true });
  private readonly tunnels = new Set<Socket>();

  constructor(
    /** Where the app listens. */
    private readonly host: string,
    private readonly target: () => number | null,
    /** Where the proxy itself listens; the app's address without it. */
    private readonly bindHost: string = host,
  ) {
    this.server = createServer((req, res) => {
      const port = this.target();
      if (port === null) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' });
        res.end('The app is not running right now.\n');
        return;
      }
      const upstream = request({ host: this.host, port, method: req.method, path: req.url, headers: forwardedHeaders(req), agent: this.agent }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.rawHeaders);
        upRes.pipe(res);
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        res.end();
      });
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
    });
    this.server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => this.tunnel(req, client, head));
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.bindHost, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    for (const socket of this.tunnels) socket.destroy();
    this.agent.destroy();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private tunnel(req: IncomingMessage, client: Socket, head: Buffer): void {
    const port = this.target();
    if (port === null) {
      client.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n\r\n');
      return;
    }
    const upstream = connect(port, this.host, () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      const headers = forwardedHeaders(req);
      for (const [name, value] of Object.entries(headers)) {
        for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) lines.push(`${name}: ${v}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    this.tunnels.add(client);
    const done = () => {
      this.tunnels.delete(client);
      upstream.destroy();
      client.destroy();
    };
    upstream.on('error', done);
    client.on('error', done);
    client.on('close', done);
    upstream.on('close', done);
  }
}

function forwardedHeaders(req: IncomingMessage): IncomingMessage['headers'] {
  const remote = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  return {
    ...req.headers,
    'x-forwarded-for': prior ? `${String(prior)}, ${remote}` : remote,
    'x-forwarded-host': req.headers['x-forwarded-host'] ?? req.headers.host,
    'x-forwarded-proto': req.headers['x-forwarded-proto'] ?? 'http',
  };
}
