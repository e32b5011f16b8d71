import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);
// The generated client package carries the Logging protos; google-gax carries the common ones.
const LOGGING_PROTOS = join(dirname(require.resolve('@google-cloud/logging-api')), '..', 'protos');
const GAX_PROTOS = join(dirname(createRequire(require.resolve('@google-cloud/logging-api')).resolve('google-gax')), '..', 'protos');

/** One log line a Cloud Run revision wrote, as a test describes it. */
export interface FakeLogLine {
  service: string;
  revision: string;
  location?: string;
  /** Default: now. */
  at?: Date;
  severity?: string;
  text?: string;
  json?: Record<string, string | number | boolean>;
  httpRequest?: { requestMethod: string; requestUrl: string; status: number; latencyMs?: number };
}

interface StoredEntry {
  logName: string;
  resource: { type: string; labels: Record<string, string> };
  timestamp: { seconds: string; nanos: number };
  ms: number;
  severity: string;
  insertId: string;
  textPayload?: string;
  jsonPayload?: { fields: Record<string, unknown> };
  httpRequest?: Record<string, unknown>;
}

type Predicate = (entry: StoredEntry) => boolean;

class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A stand-in for Cloud Logging v2 speaking gRPC with the client's own protos: ListLogEntries (filter,
 * order, pages) and TailLogEntries (a stream of entries written after it opened). It understands the
 * filter terms ServerGem writes (`resource.type="…"`, `resource.labels.K="…"`, `timestamp>="…"`)
 * and refuses any other, so a wrong filter fails here rather than silently matching everything.
 * Test double only: never a fallback at run time.
 */
export class FakeCloudLogging {
  readonly requests: { method: string; request: Record<string, unknown> }[] = [];
  private readonly entries: StoredEntry[] = [];
  private readonly tails = new Set<{ matches: Predicate; call: grpc.ServerDuplexStream<unknown, unknown> }>();
  private counter = 0;

  private constructor(
    private readonly server: grpc.Server,
    /** The gRPC port: give it to the client as `port` with `apiEndpoint: '127.0.0.1'`. */
    readonly port: number,
  ) {}

  static async start(): Promise<FakeCloudLogging> {
    const definition = protoLoader.loadSync('google/logging/v2/logging.proto', {
      includeDirs: [LOGGING_PROTOS, GAX_PROTOS],
      keepCase: false,
      longs: String,
      enums: String,
      defaults: false,
      oneofs: true,
    });
    const server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const fake = new FakeCloudLogging(server, port);
    server.addService(definition['google.logging.v2.LoggingServiceV2'] as grpc.ServiceDefinition, {
      ListLogEntries: (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        fake.requests.push({ method: 'ListLogEntries', request: call.request });
        try {
          callback(null, fake.list(call.request));
        } catch (error) {
          callback(rpcFailure(error));
        }
      },
      TailLogEntries: (call: grpc.ServerDuplexStream<Record<string, unknown>, unknown>) => fake.tail(call),
    });
    return fake;
  }

  /** Writes lines as Cloud Run would: stdout text, structured JSON, or request logs. Open tails get them at once. */
  write(...lines: FakeLogLine[]): void {
    for (const line of lines) {
      const ms = (line.at ?? new Date()).getTime() + ++this.counter / 1000;
      const entry: StoredEntry = {
        logName: `projects/p/logs/run.googleapis.com%2F${line.httpRequest ? 'requests' : 'stdout'}`,
        resource: {
          type: 'cloud_run_revision',
          labels: { service_name: line.service, revision_name: line.revision, location: line.location ?? 'europe-west1', project_id: 'p' },
        },
        timestamp: { seconds: String(Math.floor(ms / 1000)), nanos: Math.floor((ms % 1000) * 1e6) },
        ms,
        severity: line.severity ?? (line.httpRequest ? 'INFO' : 'DEFAULT'),
        insertId: `fake-${this.counter}`,
      };
      if (line.text !== undefined) entry.textPayload = line.text;
      if (line.json) entry.jsonPayload = toStruct(line.json);
      if (line.httpRequest) {
        const { latencyMs = 0, ...request } = line.httpRequest;
        entry.httpRequest = { ...request, latency: { seconds: String(Math.floor(latencyMs / 1000)), nanos: (latencyMs % 1000) * 1e6 } };
      }
      this.entries.push(entry);
      for (const tail of this.tails) if (tail.matches(entry)) tail.call.write({ entries: [entry] });
    }
  }

  /** Tail sessions open now. */
  get openTails(): number {
    return this.tails.size;
  }

  /** Ends every open tail session cleanly, as Cloud Logging does when a session has run its course. */
  endTails(): void {
    for (const tail of this.tails) tail.call.end();
    this.tails.clear();
  }

  async stop(): Promise<void> {
    this.endTails();
    this.server.forceShutdown();
  }

  private list(request: Record<string, unknown>): unknown {
    const matches = parseFilter(String(request.filter ?? ''));
    const descending = String(request.orderBy ?? '').trim() === 'timestamp desc';
    const sorted = this.entries.filter(matches).sort((a, b) => (descending ? b.ms - a.ms : a.ms - b.ms));
    const size = Math.min(Number(request.pageSize) || 50, 1000);
    const offset = Number(request.pageToken || 0);
    const page = sorted.slice(offset, offset + size);
    return { entries: page, nextPageToken: offset + size < sorted.length ? String(offset + size) : '' };
  }

  private tail(call: grpc.ServerDuplexStream<Record<string, unknown>, unknown>): void {
    let session: { matches: Predicate; call: grpc.ServerDuplexStream<unknown, unknown> } | undefined;
    call.on('data', (request: Record<string, unknown>) => {
      this.requests.push({ method: 'TailLogEntries', request });
      if (session) return;
      try {
        session = { matches: parseFilter(String(request.filter ?? '')), call: call as grpc.ServerDuplexStream<unknown, unknown> };
        this.tails.add(session);
      } catch (error) {
        call.emit('error', rpcFailure(error));
      }
    });
    const close = () => {
      if (session) this.tails.delete(session);
    };
    call.on('cancelled', close);
    call.on('end', () => {
      close();
      call.end();
    });
    call.on('error', close);
  }
}

/** The subset of the Logging query language ServerGem writes: `AND`-joined comparisons. */
function parseFilter(filter: string): Predicate {
  const terms = filter.trim() ? filter.trim().split(/\s+AND\s+/) : [];
  const predicates = terms.map((term): Predicate => {
    const match = /^(resource\.type|resource\.labels\.[a-z_]+|timestamp)\s*(=|>=|>)\s*"([^"]*)"$/.exec(term);
    if (!match) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Unparseable filter: the fake does not understand '${term}'.`);
    const [, field, op, value] = match as unknown as [string, string, string, string];
    if (field === 'timestamp') {
      const at = Date.parse(value);
      if (Number.isNaN(at)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid timestamp '${value}'.`);
      return (e) => (op === '>' ? e.ms > at : e.ms >= at);
    }
    if (op !== '=') throw new RpcError(grpc.status.INVALID_ARGUMENT, `The fake compares ${field} with = only.`);
    if (field === 'resource.type') return (e) => e.resource.type === value;
    const label = field.slice('resource.labels.'.length);
    return (e) => e.resource.labels[label] === value;
  });
  return (entry) => predicates.every((p) => p(entry));
}

function toStruct(json: Record<string, string | number | boolean>): { fields: Record<string, unknown> } {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    fields[key] = typeof value === 'string' ? { stringValue: value } : typeof value === 'number' ? { numberValue: value } : { boolValue: value };
  }
  return { fields };
}

function rpcFailure(error: unknown): grpc.ServiceError {
  const code = error instanceof RpcError ? error.code : grpc.status.INTERNAL;
  return Object.assign(new Error(String((error as Error).message)), { code, details: String((error as Error).message), metadata: new grpc.Metadata() });
}
