import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

interface StoredObject {
  data: Buffer;
  generation: number;
  contentType: string;
}

/**
 * A stand-in for storage.googleapis.com speaking the JSON API subset `@google-cloud/storage` uses
 * for uploads (`uploadType=multipart` and `resumable`) and ranged downloads (`alt=media` with a
 * `Range` header), in memory. Point the client at it with `apiEndpoint: fake.endpoint`. Test double
 * only.
 */
export class FakeCloudStorage {
  private readonly objects = new Map<string, StoredObject>();
  private readonly sessions = new Map<string, { bucket: string; name: string; chunks: Buffer[] }>();
  private generation = 1;
  endpoint = '';

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeCloudStorage> {
    const server = createServer();
    const fake = new FakeCloudStorage(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      fake.handle(req, res).catch((error: unknown) => reply(res, 500, { error: { code: 500, message: String(error) } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  read(bucket: string, name: string): Buffer | undefined {
    return this.objects.get(key(bucket, name))?.data;
  }

  names(bucket: string): string[] {
    const prefix = `${bucket}/`;
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  write(bucket: string, name: string, data: Buffer | string, contentType = 'application/octet-stream'): void {
    this.objects.set(key(bucket, name), { data: Buffer.from(data), generation: this.generation++, contentType });
  }

  /** How Cloud Build writes its log: the object grows as lines are written. */
  append(bucket: string, name: string, data: string): void {
    const existing = this.objects.get(key(bucket, name));
    this.write(bucket, name, Buffer.concat([existing?.data ?? Buffer.alloc(0), Buffer.from(data)]), 'text/plain');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await readBody(req);
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (upload && req.method === 'POST' && url.searchParams.get('uploadType') === 'multipart') {
      const { metadata, media } = parseMultipart(body, req.headers['content-type'] ?? '');
      const name = typeof metadata.name === 'string' ? metadata.name : url.searchParams.get('name');
      if (!name) return reply(res, 400, { error: { code: 400, message: 'Required: object name' } });
      this.write(decodeURIComponent(upload[1]!), name, media, typeof metadata.contentType === 'string' ? metadata.contentType : undefined);
      return reply(res, 200, this.resource(decodeURIComponent(upload[1]!), name));
    }
    if (upload && req.method === 'POST' && url.searchParams.get('uploadType') === 'resumable') {
      const metadata = body.length ? (JSON.parse(body.toString('utf8')) as { name?: string }) : {};
      const name = metadata.name ?? url.searchParams.get('name');
      if (!name) return reply(res, 400, { error: { code: 400, message: 'Required: object name' } });
      const id = randomUUID();
      this.sessions.set(id, { bucket: decodeURIComponent(upload[1]!), name, chunks: [] });
      res.setHeader('Location', `${this.endpoint}${url.pathname}?uploadType=resumable&upload_id=${id}`);
      return reply(res, 200, {});
    }
    const sessionId = url.searchParams.get('upload_id');
    if (upload && req.method === 'PUT' && sessionId) return this.resumableChunk(sessionId, req, res, body);
    const object = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    if (object && req.method === 'GET') {
      const bucket = decodeURIComponent(object[1]!);
      const name = decodeURIComponent(object[2]!);
      const stored = this.objects.get(key(bucket, name));
      if (!stored) return reply(res, 404, { error: { code: 404, message: `No such object: ${bucket}/${name}` } });
      if (url.searchParams.get('alt') !== 'media') return reply(res, 200, this.resource(bucket, name));
      return sendMedia(req, res, stored);
    }
    reply(res, 404, { error: { code: 404, message: `FakeCloudStorage does not serve ${req.method} ${url.pathname}` } });
  }

  private resumableChunk(id: string, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const session = this.sessions.get(id);
    if (!session) return reply(res, 404, { error: { code: 404, message: 'No such upload session' } });
    session.chunks.push(body);
    const range = /bytes (?:\d+-\d+|\*)\/(\d+|\*)/.exec(String(req.headers['content-range'] ?? ''));
    const received = Buffer.concat(session.chunks);
    if (range && range[1] !== '*' && Number(range[1]) === received.length) {
      this.write(session.bucket, session.name, received);
      this.sessions.delete(id);
      return reply(res, 200, this.resource(session.bucket, session.name));
    }
    if (received.length > 0) res.setHeader('Range', `bytes=0-${received.length - 1}`);
    res.writeHead(308).end();
  }

  private resource(bucket: string, name: string): Record<string, string> {
    const stored = this.objects.get(key(bucket, name))!;
    return {
      kind: 'storage#object',
      bucket,
      name,
      id: `${bucket}/${name}/${stored.generation}`,
      generation: String(stored.generation),
      size: String(stored.data.length),
      contentType: stored.contentType,
      md5Hash: createHash('md5').update(stored.data).digest('base64'),
      crc32c: crc32c(stored.data),
    };
  }
}

function sendMedia(req: IncomingMessage, res: ServerResponse, stored: StoredObject): void {
  const hashes = `crc32c=${crc32c(stored.data)},md5=${createHash('md5').update(stored.data).digest('base64')}`;
  res.setHeader('x-goog-hash', hashes);
  res.setHeader('x-goog-generation', String(stored.generation));
  res.setHeader('x-goog-stored-content-encoding', 'identity');
  res.setHeader('content-type', stored.contentType);
  const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
  if (!range) {
    res.writeHead(200, { 'content-length': stored.data.length }).end(stored.data);
    return;
  }
  const start = Number(range[1]);
  const end = range[2] ? Math.min(Number(range[2]), stored.data.length - 1) : stored.data.length - 1;
  // As GCS does: a range starting at or past the end is not satisfiable.
  if (start >= stored.data.length) {
    res.setHeader('content-range', `bytes */${stored.data.length}`);
    return reply(res, 416, { error: { code: 416, message: 'The requested range cannot be satisfied.' } });
  }
  const slice = stored.data.subarray(start, end + 1);
  res.writeHead(206, { 'content-length': slice.length, 'content-range': `bytes ${start}-${end}/${stored.data.length}` }).end(slice);
}

function parseMultipart(body: Buffer, contentType: string): { metadata: Record<string, unknown>; media: Buffer } {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`multipart upload without a boundary: ${contentType}`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    if (next === -1) break;
    parts.push(body.subarray(at + delimiter.length, next));
    at = next;
  }
  const [meta, media] = parts.map((part) => {
    const split = part.indexOf('\r\n\r\n');
    // Each part ends with the CRLF that precedes the next delimiter.
    return part.subarray(split + 4, part.length - 2);
  });
  if (!meta || !media) throw new Error('multipart upload without metadata and media parts');
  return { metadata: JSON.parse(meta.toString('utf8')) as Record<string, unknown>, media };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function key(bucket: string, name: string): string {
  return `${bucket}/${name}`;
}

function crc32c(data: Buffer): string {
  const hash = new CRC32C();
  hash.update(data);
  return hash.toString();
}
