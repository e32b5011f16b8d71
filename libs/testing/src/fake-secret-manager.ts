import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);
// The package's entry point lives in build/src, beside build/protos (which also holds google/iam).
const SECRET_PROTOS = join(dirname(require.resolve('@google-cloud/secret-manager')), '..', 'protos');
const GAX_PROTOS = join(dirname(createRequire(join(SECRET_PROTOS, '..', '..', 'package.json')).resolve('google-gax')), '..', 'protos');

export type FakeVersionState = 'ENABLED' | 'DISABLED' | 'DESTROYED';

export interface FakeSecretVersion {
  number: number;
  state: FakeVersionState;
  /** The payload; emptied when the version is destroyed, as Secret Manager does. */
  data: Buffer;
  createdAt: number;
}

export interface FakeSecret {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  replication: Record<string, unknown>;
  createdAt: number;
  versions: FakeSecretVersion[];
}

type Handler = grpc.handleUnaryCall<Record<string, unknown>, unknown>;

class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
const LABEL = /^[a-z0-9_-]{0,63}$/;
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const ANNOTATION_KEY = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;
const MAX_PAYLOAD = 64 * 1024;

/**
 * A stand-in for Secret Manager v1 speaking gRPC with the client's own protos: secrets (labels,
 * annotations, automatic replication), versions (add, access, list, disable, destroy) and the
 * `labels.KEY=VALUE` / `state:STATE` filters ServerGem sends. It validates ids, labels and
 * annotations as the real API does, so a name the real API would refuse fails here too.
 * Test double only: never a fallback at run time.
 */
export class FakeSecretManager {
  readonly requests: { method: string; request: Record<string, unknown> }[] = [];
  readonly secrets = new Map<string, FakeSecret>();
  private clock = 0;

  private constructor(
    private readonly server: grpc.Server,
    /** The gRPC port: give it to the client as `port` with `apiEndpoint: '127.0.0.1'`. */
    readonly port: number,
  ) {}

  static async start(): Promise<FakeSecretManager> {
    const definition = protoLoader.loadSync('google/cloud/secretmanager/v1/service.proto', {
      includeDirs: [SECRET_PROTOS, GAX_PROTOS],
      keepCase: false,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const fake = new FakeSecretManager(server, port);
    server.addService(definition['google.cloud.secretmanager.v1.SecretManagerService'] as grpc.ServiceDefinition, fake.wrap(fake.handlers()));
    return fake;
  }

  /** The value a secret's version holds now (`latest`: the newest enabled one), or undefined. */
  value(secretName: string, version: string | number = 'latest'): string | undefined {
    const secret = this.secrets.get(secretName);
    const found = secret ? this.findVersion(secret, String(version)) : undefined;
    return found && found.state === 'ENABLED' ? found.data.toString('utf8') : undefined;
  }

  /** How many times a method was called (optionally on one resource). */
  calls(method: string, resource?: string): number {
    return this.requests.filter((r) => r.method === method && (!resource || JSON.stringify(r.request).includes(`"${resource}`))).length;
  }

  async stop(): Promise<void> {
    this.server.forceShutdown();
  }

  private wrap(handlers: Record<string, (request: Record<string, unknown>) => unknown>): grpc.UntypedServiceImplementation {
    const wrapped: Record<string, Handler> = {};
    for (const [method, handle] of Object.entries(handlers)) {
      wrapped[method] = (call, callback) => {
        this.requests.push({ method, request: call.request });
        try {
          callback(null, handle(call.request));
        } catch (error) {
          if (error instanceof RpcError) callback({ code: error.code, details: error.message });
          else callback({ code: grpc.status.INTERNAL, details: String(error) });
        }
      };
    }
    return wrapped;
  }

  private handlers(): Record<string, (request: Record<string, unknown>) => unknown> {
    return {
      CreateSecret: (request) => {
        const parent = String(request.parent);
        const id = String(request.secretId);
        if (!/^projects\/[^/]+$/.test(parent)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid parent '${parent}'.`);
        if (!SECRET_ID.test(id)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Secret id '${id}' must be 1 to 255 letters, digits, '-' or '_'.`);
        const name = `${parent}/secrets/${id}`;
        if (this.secrets.has(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, `Secret [${name}] already exists.`);
        const body = asRecord(request.secret);
        const replication = asRecord(body.replication);
        if (!replication.automatic && !replication.userManaged) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'Secret.replication is required.');
        const secret: FakeSecret = {
          name,
          labels: validLabels(asStringMap(body.labels)),
          annotations: validAnnotations(asStringMap(body.annotations)),
          replication,
          createdAt: this.tick(),
          versions: [],
        };
        this.secrets.set(name, secret);
        return this.secretView(secret);
      },
      GetSecret: (request) => this.secretView(this.secret(String(request.name))),
      UpdateSecret: (request) => {
        const body = asRecord(request.secret);
        const secret = this.secret(String(body.name));
        const paths = (asRecord(request.updateMask).paths as string[] | undefined) ?? [];
        if (paths.length === 0) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'update_mask is required.');
        for (const path of paths) {
          if (path === 'labels') secret.labels = validLabels(asStringMap(body.labels));
          else if (path === 'annotations') secret.annotations = validAnnotations(asStringMap(body.annotations));
          else throw new RpcError(grpc.status.INVALID_ARGUMENT, `The fake cannot update '${path}'.`);
        }
        return this.secretView(secret);
      },
      DeleteSecret: (request) => {
        const name = String(request.name);
        this.secret(name);
        this.secrets.delete(name);
        return {};
      },
      ListSecrets: (request) => {
        const parent = String(request.parent);
        const matches = labelFilter(String(request.filter ?? ''));
        const secrets = [...this.secrets.values()]
          .filter((s) => s.name.startsWith(`${parent}/secrets/`) && matches(s.labels))
          .sort((a, b) => a.createdAt - b.createdAt)
          .map((s) => this.secretView(s));
        return { secrets, nextPageToken: '', totalSize: secrets.length };
      },
      AddSecretVersion: (request) => {
        const secret = this.secret(String(request.parent));
        const data = Buffer.from((asRecord(request.payload).data as Buffer | undefined) ?? Buffer.alloc(0));
        if (data.length > MAX_PAYLOAD) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'Secret payload is larger than 64 KiB.');
        const version: FakeSecretVersion = { number: secret.versions.length + 1, state: 'ENABLED', data, createdAt: this.tick() };
        secret.versions.push(version);
        return this.versionView(secret, version);
      },
      GetSecretVersion: (request) => {
        const { secret, version } = this.version(String(request.name));
        return this.versionView(secret, version);
      },
      AccessSecretVersion: (request) => {
        const { secret, version } = this.version(String(request.name));
        if (version.state !== 'ENABLED') {
          throw new RpcError(grpc.status.FAILED_PRECONDITION, `Secret Version [${secret.name}/versions/${version.number}] is in ${version.state} state.`);
        }
        return { name: `${secret.name}/versions/${version.number}`, payload: { data: version.data } };
      },
      ListSecretVersions: (request) => {
        const secret = this.secret(String(request.parent));
        const filter = String(request.filter ?? '').trim();
        const state = /^state:(ENABLED|DISABLED|DESTROYED)$/.exec(filter)?.[1];
        if (filter && !state) throw new RpcError(grpc.status.INVALID_ARGUMENT, `The fake does not understand the filter '${filter}'.`);
        // Newest first, as Secret Manager lists them.
        const versions = [...secret.versions]
          .reverse()
          .filter((v) => !state || v.state === state)
          .map((v) => this.versionView(secret, v));
        return { versions, nextPageToken: '', totalSize: versions.length };
      },
      DisableSecretVersion: (request) => this.setState(String(request.name), 'DISABLED'),
      EnableSecretVersion: (request) => this.setState(String(request.name), 'ENABLED'),
      DestroySecretVersion: (request) => this.setState(String(request.name), 'DESTROYED'),
    };
  }

  private setState(name: string, state: FakeVersionState): unknown {
    const { secret, version } = this.version(name);
    if (version.state === 'DESTROYED') throw new RpcError(grpc.status.FAILED_PRECONDITION, `Secret Version [${name}] is destroyed.`);
    version.state = state;
    if (state === 'DESTROYED') version.data = Buffer.alloc(0);
    return this.versionView(secret, version);
  }

  private secret(name: string): FakeSecret {
    const secret = this.secrets.get(name);
    if (!secret) throw new RpcError(grpc.status.NOT_FOUND, `Secret [${name}] not found or has no versions.`);
    return secret;
  }

  private version(name: string): { secret: FakeSecret; version: FakeSecretVersion } {
    const match = /^(.+)\/versions\/([^/]+)$/.exec(name);
    const secret = this.secret(match?.[1] ?? name);
    const version = this.findVersion(secret, match?.[2] ?? '');
    if (!version) throw new RpcError(grpc.status.NOT_FOUND, `Secret Version [${name}] not found.`);
    return { secret, version };
  }

  private findVersion(secret: FakeSecret, id: string): FakeSecretVersion | undefined {
    if (id === 'latest') return [...secret.versions].reverse().find((v) => v.state === 'ENABLED');
    return secret.versions.find((v) => String(v.number) === id);
  }

  private secretView(secret: FakeSecret): Record<string, unknown> {
    return {
      name: secret.name,
      replication: secret.replication,
      createTime: timestamp(secret.createdAt),
      labels: secret.labels,
      annotations: secret.annotations,
      etag: `"${secret.createdAt}"`,
    };
  }

  private versionView(secret: FakeSecret, version: FakeSecretVersion): Record<string, unknown> {
    return {
      name: `${secret.name}/versions/${version.number}`,
      createTime: timestamp(version.createdAt),
      state: version.state,
      etag: `"${version.createdAt}"`,
    };
  }

  /** Creation times that strictly increase, so "newest" is never a tie. */
  private tick(): number {
    this.clock = Math.max(this.clock + 1, Date.now());
    return this.clock;
  }
}

/** `labels.a=b AND labels.c=d` (the only filter ServerGem sends); anything else is refused. */
function labelFilter(filter: string): (labels: Record<string, string>) => boolean {
  const terms = filter.trim() ? filter.trim().split(/\s+AND\s+/) : [];
  const wanted = terms.map((term) => {
    const match = /^labels\.([a-z0-9_-]+)[=:]"?([a-z0-9_-]*)"?$/.exec(term);
    if (!match) throw new RpcError(grpc.status.INVALID_ARGUMENT, `The fake does not understand the filter term '${term}'.`);
    return [match[1]!, match[2]!] as const;
  });
  return (labels) => wanted.every(([key, value]) => labels[key] === value);
}

function validLabels(labels: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_KEY.test(key) || !LABEL.test(value)) {
      throw new RpcError(grpc.status.INVALID_ARGUMENT, `Label '${key}=${value}' is not lower-case letters, digits, '-' or '_' (at most 63).`);
    }
  }
  return labels;
}

function validAnnotations(annotations: Record<string, string>): Record<string, string> {
  for (const key of Object.keys(annotations)) {
    if (!ANNOTATION_KEY.test(key)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Annotation key '${key}' is not valid.`);
  }
  if (JSON.stringify(annotations).length > 16 * 1024) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'Annotations are larger than 16 KiB.');
  return annotations;
}

function timestamp(ms: number): { seconds: string; nanos: number } {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function asStringMap(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(asRecord(value)).map(([k, v]) => [k, String(v)]));
}
