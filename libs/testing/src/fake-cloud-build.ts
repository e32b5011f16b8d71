import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import type { FakeCloudStorage } from './fake-cloud-storage.js';

export type FakeBuildStatus = 'PENDING' | 'QUEUED' | 'WORKING' | FakeTerminalStatus;
export type FakeTerminalStatus = 'SUCCESS' | 'FAILURE' | 'INTERNAL_ERROR' | 'TIMEOUT' | 'CANCELLED' | 'EXPIRED';

/** What one created build does, one step per tick. */
export interface FakeBuildScript {
  /** Statuses before the log starts; default `['QUEUED', 'WORKING']`. */
  statuses?: FakeBuildStatus[];
  /** Written to the log object one line per tick while WORKING. */
  logLines?: string[];
  /** The build stays WORKING, its log written, until this settles. */
  holdUntil?: Promise<unknown>;
  terminal?: FakeTerminalStatus;
  /** `results.images[0].digest` on SUCCESS. */
  digest?: string;
}

export interface FakeBuildRecord {
  /** The `CreateBuildRequest` as received, decoded with the client's own protos. */
  request: { parent?: string; projectId?: string; build?: Record<string, unknown> };
  build: WireBuild;
}

interface WireBuild {
  id: string;
  name: string;
  projectId: string;
  status: FakeBuildStatus;
  statusDetail?: string;
  createTime: { seconds: number };
  finishTime?: { seconds: number };
  logsBucket: string;
  logUrl: string;
  tags: string[];
  images: string[];
  results?: { images: { name: string; digest: string }[] };
  failureInfo?: { type: string; detail: string };
  [field: string]: unknown;
}

const METADATA_TYPE = 'type.googleapis.com/google.devtools.cloudbuild.v1.BuildOperationMetadata';
const TERMINAL = new Set<FakeBuildStatus>(['SUCCESS', 'FAILURE', 'INTERNAL_ERROR', 'TIMEOUT', 'CANCELLED', 'EXPIRED']);

/**
 * A stand-in for cloudbuild.googleapis.com serving the v1 `CloudBuild` gRPC service from the
 * client's own protos: CreateBuild (a long-running Operation whose metadata carries the build),
 * GetBuild, ListBuilds (with `tags="..."` filters) and CancelBuild. Each build follows the next
 * queued script and writes its log to `gs://<logsBucket>/log-<id>.txt` in a `FakeCloudStorage`, as
 * Cloud Build does. Point `CloudBuildClient` at it with `apiEndpoint: '127.0.0.1'`, `port` and
 * insecure `sslCreds`. Test double only.
 */
export class FakeCloudBuild {
  readonly created: FakeBuildRecord[] = [];
  readonly builds: WireBuild[] = [];
  /** The ids of the builds CancelBuild was called for, in order. */
  readonly cancelRequests: string[] = [];
  readonly logsBucket = 'fake-cloudbuild-logs';
  port = 0;
  private readonly scripts: FakeBuildScript[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: grpc.Server,
    private readonly storage: FakeCloudStorage,
    private readonly tickMs: number,
  ) {}

  static async start(storage: FakeCloudStorage, options: { tickMs?: number } = {}): Promise<FakeCloudBuild> {
    const definition = loadCloudBuildProtos();
    const service = definition['google.devtools.cloudbuild.v1.CloudBuild'] as grpc.ServiceDefinition;
    const server = new grpc.Server();
    const fake = new FakeCloudBuild(server, storage, options.tickMs ?? 15);
    const serializeBuild = service.GetBuild!.responseSerialize as (build: WireBuild) => Buffer;
    server.addService(service, {
      CreateBuild: unary((request: FakeBuildRecord['request']) => fake.create(request, serializeBuild)),
      GetBuild: unary((request: { id?: string }) => fake.find(request.id)),
      ListBuilds: unary((request: { filter?: string }) => ({ builds: fake.list(request.filter ?? ''), nextPageToken: '' })),
      CancelBuild: unary((request: { id?: string }) => fake.cancel(request.id)),
    });
    fake.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    return fake;
  }

  /** Queues what the next created builds do, in order; without a script a build succeeds. */
  script(...scripts: FakeBuildScript[]): void {
    this.scripts.push(...scripts);
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.server.forceShutdown();
  }

  private create(request: FakeBuildRecord['request'], serializeBuild: (build: WireBuild) => Buffer): unknown {
    const requested = request.build ?? {};
    const projectId = request.projectId ?? '';
    const location = /locations\/([^/]+)/.exec(request.parent ?? '')?.[1] ?? 'global';
    const id = randomUUID();
    const build: WireBuild = {
      ...requested,
      id,
      name: `projects/${projectId}/locations/${location}/builds/${id}`,
      projectId,
      status: 'QUEUED',
      createTime: { seconds: Math.floor(Date.now() / 1000) },
      logsBucket: `gs://${this.logsBucket}`,
      logUrl: `https://console.cloud.google.com/cloud-build/builds;region=${location}/${id}?project=${projectId}`,
      tags: stringArray(requested.tags),
      images: stringArray(requested.images),
    };
    this.builds.unshift(build);
    this.created.push({ request, build });
    this.run(build, this.scripts.shift() ?? {});
    // BuildOperationMetadata is `{ Build build = 1; }`: one length-delimited field.
    const encoded = serializeBuild(build);
    const metadata = Buffer.concat([Buffer.from([0x0a]), varint(encoded.length), encoded]);
    return { name: `operations/build/${projectId}/${Buffer.from(id).toString('base64')}`, metadata: { typeUrl: METADATA_TYPE, value: metadata }, done: false };
  }

  private run(build: WireBuild, script: FakeBuildScript): void {
    const statuses = [...(script.statuses ?? ['QUEUED', 'WORKING'])];
    const lines = [...(script.logLines ?? [])];
    let held = script.holdUntil !== undefined;
    void script.holdUntil?.finally(() => (held = false));
    const timer = setInterval(() => {
      if (TERMINAL.has(build.status)) {
        clearInterval(timer);
        this.timers.delete(timer);
      } else if (statuses.length > 0) {
        build.status = statuses.shift()!;
      } else if (lines.length > 0) {
        build.status = 'WORKING';
        this.storage.append(this.logsBucket, `log-${build.id}.txt`, `${lines.shift()}\n`);
      } else if (!held) {
        this.finish(build, script.terminal ?? 'SUCCESS', script.digest);
      }
    }, this.tickMs);
    this.timers.add(timer);
  }

  private finish(build: WireBuild, status: FakeTerminalStatus, digest: string | undefined): void {
    build.status = status;
    build.finishTime = { seconds: Math.floor(Date.now() / 1000) };
    if (status === 'SUCCESS') {
      build.results = { images: build.images.map((name) => ({ name, digest: digest ?? `sha256:${'0'.repeat(64)}` })) };
    } else if (status === 'FAILURE') {
      build.statusDetail = 'Build step 0 "gcr.io/cloud-builders/docker" failed: step exited with non-zero status: 1';
      build.failureInfo = { type: 'USER_BUILD_STEP', detail: build.statusDetail };
    } else {
      build.statusDetail = `Build ended with status ${status}.`;
    }
  }

  private find(id: string | undefined): WireBuild {
    const build = this.builds.find((b) => b.id === id);
    if (!build) throw Object.assign(new Error(`Build ${id} not found`), { code: grpc.status.NOT_FOUND });
    return build;
  }

  private cancel(id: string | undefined): WireBuild {
    this.cancelRequests.push(id ?? '');
    const build = this.find(id);
    if (!TERMINAL.has(build.status)) this.finish(build, 'CANCELLED', undefined);
    return build;
  }

  private list(filter: string): WireBuild[] {
    const tag = /tags\s*=\s*"([^"]+)"/.exec(filter)?.[1];
    return tag === undefined ? this.builds : this.builds.filter((b) => b.tags.includes(tag));
  }
}

function unary<Req>(handle: (request: Req) => unknown): grpc.handleUnaryCall<Req, unknown> {
  return (call, callback) => {
    try {
      callback(null, handle(call.request));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      callback({ code: typeof code === 'number' ? code : grpc.status.INTERNAL, details: (error as Error).message });
    }
  };
}

function loadCloudBuildProtos(): PackageDefinition {
  const require = createRequire(import.meta.url);
  const cloudbuild = dirname(dirname(require.resolve('@google-cloud/cloudbuild')));
  const gax = join(dirname(createRequire(join(cloudbuild, 'package.json')).resolve('google-gax')), '..', '..');
  return loadSync('google/devtools/cloudbuild/v1/cloudbuild.proto', {
    includeDirs: [join(cloudbuild, 'protos'), join(gax, 'build', 'protos')],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
