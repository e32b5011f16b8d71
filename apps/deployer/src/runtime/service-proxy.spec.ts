import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceProxy } from './service-proxy.js';

async function upstream(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

describe(ServiceProxy.name, () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0)) await close();
  });

  it('forwards method, path, headers and a streamed body, and switches targets without changing its port', async () => {
    const a = await upstream((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => {
        res.writeHead(201, { 'x-from': 'a' });
        res.end(JSON.stringify({ method: req.method, url: req.url, custom: req.headers['x-custom'], forwarded: req.headers['x-forwarded-for'], body }));
      });
    });
    const b = await upstream((_req, res) => res.end('b'));
    cleanup.push(
      () => new Promise((r) => a.server.close(r)),
      () => new Promise((r) => b.server.close(r)),
    );
    let target: number | null = a.port;
    const sut = new ServiceProxy('127.0.0.1', () => target);
    const port = await sut.listen(0);
    cleanup.push(() => sut.close());

    const response = await fetch(`http://127.0.0.1:${port}/things?x=1`, { method: 'PUT', headers: { 'x-custom': 'yes' }, body: 'payload' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-from')).toBe('a');
    expect(await response.json()).toEqual({ method: 'PUT', url: '/things?x=1', custom: 'yes', forwarded: '127.0.0.1', body: 'payload' });

    target = b.port;
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('b');
    target = null;
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(503);
  });

  it('tunnels a websocket upgrade to the target', async () => {
    const a = await upstream((_req, res) => res.end());
    const upgraded: Socket[] = [];
    a.server.on('upgrade', (_req, socket: Socket) => {
      upgraded.push(socket);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n');
      socket.on('data', (d: Buffer) => socket.write(`echo:${d.toString()}`));
    });
    cleanup.push(() => {
      for (const socket of upgraded) socket.destroy();
      return new Promise((r) => a.server.close(r));
    });
    const sut = new ServiceProxy('127.0.0.1', () => a.port);
    const port = await sut.listen(0);
    cleanup.push(() => sut.close());

    const client = connect(port, '127.0.0.1');
    await once(client, 'connect');
    client.write('GET /ws HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n');
    let received = '';
    client.setEncoding('utf8').on('data', (d: string) => {
      received += d;
      if (received.includes('\r\n\r\n') && !received.includes('echo:')) client.write('ping');
    });
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => received.includes('echo:ping') && (clearInterval(timer), resolve()), 20);
    });
    expect(received).toMatch(/^HTTP\/1.1 101/);
    client.destroy();
  });
});
