import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer; the fake pops one per request, in order. */
export type FakeGeminiReply =
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'empty' }
  | { kind: 'error'; status: number; status_text: string; message: string }
  | { kind: 'hang' }
  /** Another reply, sent once `until` settles: the client's request is in flight, as long as the test wants. */
  | { kind: 'held'; until: Promise<unknown>; reply: FakeGeminiReply }
  /** A model turn asking for function calls: `functionCall` parts, as Gemini sends them. */
  | { kind: 'calls'; calls: FakeFunctionCall[] };

export interface FakeFunctionCall {
  name: string;
  /** Whatever the scripted model sends: an object normally, anything to test malformed arguments. */
  args: unknown;
  id?: string;
}

/** A `functionResponse` part the client sent back. */
export interface FakeFunctionResponse {
  id?: string;
  name: string;
  response: Record<string, unknown>;
}

export interface FakeGeminiRequest {
  model: string;
  /** The `x-goog-api-key` header as received. */
  apiKey: string | undefined;
  /** The raw request body, exactly as sent. */
  raw: string;
  body: unknown;
}

const STATUS_TEXT: Record<number, string> = { 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED' };
const ROUTE = /^\/v1beta\/models\/([^/:]+):generateContent$/;

/**
 * A stand-in for generativelanguage.googleapis.com speaking the REST wire format `@google/genai`
 * uses for `models.generateContent`: candidates with text or `functionCall` parts, usageMetadata,
 * and Google's error body `{ error: { code, message, status } }`. Test double only: it records every
 * request body, so a test can read the `functionResponse` parts sent back.
 */
export class FakeGemini {
  readonly requests: FakeGeminiRequest[] = [];
  private readonly queue: FakeGeminiReply[] = [];
  private base = '';

  private constructor(
    private readonly server: Server,
    private readonly apiKey: string,
  ) {}

  static async start(apiKey = 'test-gemini-key'): Promise<FakeGemini> {
    const server = createServer();
    const fake = new FakeGemini(server, apiKey);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  static json(value: unknown): FakeGeminiReply {
    return { kind: 'json', value };
  }

  static text(text: string): FakeGeminiReply {
    return { kind: 'text', text };
  }

  static empty(): FakeGeminiReply {
    return { kind: 'empty' };
  }

  static hang(): FakeGeminiReply {
    return { kind: 'hang' };
  }

  /** `reply`, sent only once `until` settles. */
  static held(reply: FakeGeminiReply, until: Promise<unknown>): FakeGeminiReply {
    return { kind: 'held', until, reply };
  }

  /** The model calls one function (or several, in one turn). */
  static call(name: string, args: unknown = {}): FakeGeminiReply {
    return { kind: 'calls', calls: [{ name, args, id: `call-${name}-${Math.random().toString(36).slice(2, 8)}` }] };
  }

  static calls(...calls: FakeFunctionCall[]): FakeGeminiReply {
    return { kind: 'calls', calls };
  }

  /** The `functionResponse` parts of a recorded request's last turn: what the client answered to the model's calls. */
  static functionResponses(request: FakeGeminiRequest): FakeFunctionResponse[] {
    const contents = (request.body as { contents?: { role?: string; parts?: { functionResponse?: FakeFunctionResponse }[] }[] }).contents ?? [];
    const last = contents.at(-1);
    return (last?.parts ?? []).flatMap((p) => (p.functionResponse ? [p.functionResponse] : []));
  }

  /** An HTTP error as Gemini sends it; 429 is a short-lived rate limit unless `quota` is set. */
  static error(status: 429 | 500 | 503 | 504, options: { quota?: boolean } = {}): FakeGeminiReply {
    const message = options.quota
      ? 'You exceeded your current quota, please check your plan and billing details.'
      : status === 429
        ? 'Resource has been exhausted. Please retry later.'
        : status === 503
          ? 'The model is overloaded. Please try again later.'
          : status === 504
            ? 'Deadline expired before operation could complete.'
            : 'An internal error has occurred.';
    return { kind: 'error', status, status_text: STATUS_TEXT[status] ?? 'UNKNOWN', message };
  }

  get url(): string {
    return this.base;
  }

  /** Queues replies for the next requests. */
  reply(...replies: FakeGeminiReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Forgets recorded requests and replies not yet used. */
  reset(): void {
    this.requests.splice(0);
    this.queue.splice(0);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const route = ROUTE.exec(new URL(req.url ?? '/', this.base).pathname);
    if (req.method !== 'POST' || !route) return this.fail(res, 404, 'NOT_FOUND', `Method not found: ${req.method} ${req.url}`);
    const apiKey = header(req, 'x-goog-api-key');
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return this.fail(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    this.requests.push({ model: decodeURIComponent(route[1]!), apiKey, raw, body });
    if (apiKey !== this.apiKey) return this.fail(res, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');

    const next = this.queue.shift();
    if (!next) return this.fail(res, 400, 'FAILED_PRECONDITION', 'fake-gemini: no reply scripted for this request');
    await this.answer(res, next, route[1]!, raw);
  }

  private async answer(res: ServerResponse, next: FakeGeminiReply, model: string, raw: string): Promise<void> {
    switch (next.kind) {
      case 'hang':
        return;
      case 'held':
        await next.until.catch(() => undefined);
        return this.answer(res, next.reply, model, raw);
      case 'error':
        return this.fail(res, next.status, next.status_text, next.message);
      case 'empty':
        return this.send(res, 200, { candidates: [], usageMetadata: usage(raw, ''), modelVersion: model });
      case 'calls':
        return this.send(res, 200, {
          candidates: [
            {
              content: { role: 'model', parts: next.calls.map((c) => ({ functionCall: { ...(c.id ? { id: c.id } : {}), name: c.name, args: c.args } })) },
              finishReason: 'STOP',
              index: 0,
            },
          ],
          usageMetadata: usage(raw, JSON.stringify(next.calls)),
          modelVersion: model,
          responseId: `fake-${this.requests.length}`,
        });
      case 'json':
      case 'text': {
        const text = next.kind === 'json' ? JSON.stringify(next.value) : next.text;
        return this.send(res, 200, {
          candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
          usageMetadata: usage(raw, text),
          modelVersion: model,
          responseId: `fake-${this.requests.length}`,
        });
      }
    }
  }

  private fail(res: ServerResponse, code: number, status: string, message: string): void {
    this.send(res, code, { error: { code, message, status } });
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(body));
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function usage(prompt: string, answer: string): { promptTokenCount: number; candidatesTokenCount: number; totalTokenCount: number } {
  const promptTokenCount = Math.ceil(prompt.length / 4);
  const candidatesTokenCount = Math.ceil(answer.length / 4);
  return { promptTokenCount, candidatesTokenCount, totalTokenCount: promptTokenCount + candidatesTokenCount };
}
