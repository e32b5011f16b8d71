import { createRequire } from 'node:module';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  asRecord,
  LATEST,
  REVISION,
  RpcError,
  toTraffic,
  type FakeIamBinding,
  type FakeOperation,
  type FakeRevision,
  type FakeRevisionScript,
  type FakeService,
  type FakeTraffic,
} from './fake-cloud-run-model.js';

export type { FakeIamBinding, FakeRevisionScript, FakeTraffic };

const require = createRequire(import.meta.url);
// Both packages' entry points live in build/src, beside build/protos.
const RUN_PROTOS = join(dirname(require.resolve('@google-cloud/run')), '..', 'protos');
const GAX_PROTOS = join(dirname(require.resolve('google-gax')), '..', 'protos');

type Handler = grpc.handleUnaryCall<Record<string, unknown>, unknown>;

/**
 * A stand-in for the Cloud Run Admin API v2 speaking gRPC with the client's own protos: services,
 * revisions, traffic (with tags), IAM policies and the long-running operations the client polls.
 * Each service and tag gets a URL on a tiny HTTP app the fake starts, answering with the name of the
 * revision it routes to. Test double only: never a fallback at run time.
 */
export class FakeCloudRun {
  readonly requests: { method: string; request: Record<string, unknown> }[] = [];
  readonly services = new Map<string, FakeService>();
  readonly revisions = new Map<string, FakeRevision>();
  readonly policies = new Map<string, { bindings: FakeIamBinding[]; etag: Buffer }>();
  private readonly operations = new Map<string, FakeOperation>();
  private nextScripts: FakeRevisionScript[] = [];
  private counter = 0;
  private httpBase = '';
  private serviceSerialize: (value: unknown) => Buffer = () => Buffer.alloc(0);
  private revisionSerialize: (value: unknown) => Buffer = () => Buffer.alloc(0);

  private constructor(
    private readonly grpcServer: grpc.Server,
    private readonly http: HttpServer,
    /** The gRPC port: give it to the client as `port` with `apiEndpoint: '127.0.0.1'`. */
    readonly port: number,
  ) {}

  static async start(): Promise<FakeCloudRun> {
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const definition = protoLoader.loadSync(
      ['google/cloud/run/v2/service.proto', 'google/cloud/run/v2/revision.proto', 'google/longrunning/operations.proto'],
      { includeDirs: [RUN_PROTOS, GAX_PROTOS], keepCase: false, longs: String, enums: String, defaults: true, oneofs: true },
    );
    const server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const fake = new FakeCloudRun(server, http, port);
    fake.httpBase = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    http.on('request', (req, res) => {
      const { status, body } = fake.route(req.url ?? '/');
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    });
    const servicesDef = definition['google.cloud.run.v2.Services'] as grpc.ServiceDefinition;
    fake.serviceSerialize = servicesDef.GetService.responseSerialize as (value: unknown) => Buffer;
    server.addService(servicesDef, fake.wrap(fake.servicesHandlers()));
    const revisionsDef = definition['google.cloud.run.v2.Revisions'] as grpc.ServiceDefinition;
    fake.revisionSerialize = revisionsDef.GetRevision.responseSerialize as (value: unknown) => Buffer;
    server.addService(revisionsDef, fake.wrap(fake.revisionsHandlers()));
    server.addService(definition['google.longrunning.Operations'] as grpc.ServiceDefinition, fake.wrap(fake.operationsHandlers()));
    return fake;
  }

  /** The next revision created behaves like this (scripts queue up, one per revision). */
  scriptNextRevision(script: FakeRevisionScript): void {
    this.nextScripts.push(script);
  }

  /** The revision receiving the largest share of the service's traffic, by short name. */
  servingRevision(serviceName: string): string | null {
    const service = this.services.get(serviceName);
    if (!service) return null;
    const statuses = this.trafficStatuses(serviceName, service.traffic);
    const top = [...statuses].sort((a, b) => b.percent - a.percent)[0];
    return top && top.percent > 0 ? top.revision : null;
  }

  /** The URL the fake gives the service (its HTTP app routes it by traffic). */
  serviceUri(serviceName: string): string {
    return `${this.httpBase}/s/${encodeURIComponent(serviceName)}`;
  }

  traffic(serviceName: string): FakeTraffic[] {
    return this.trafficStatuses(serviceName, this.services.get(serviceName)?.traffic ?? []);
  }

  async stop(): Promise<void> {
    this.grpcServer.forceShutdown();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
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

  private servicesHandlers(): Record<string, (request: Record<string, unknown>) => unknown> {
    return {
      CreateService: (request) => {
        const name = `${String(request.parent)}/services/${String(request.serviceId)}`;
        if (this.services.has(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, `Resource '${name}' already exists.`);
        const body = asRecord(request.service);
        this.services.set(name, { body: {}, traffic: [], generation: 0 });
        try {
          return this.apply(name, body);
        } catch (error) {
          this.services.delete(name);
          throw error;
        }
      },
      UpdateService: (request) => {
        const body = asRecord(request.service);
        const name = String(body.name);
        if (!this.services.has(name)) throw new RpcError(grpc.status.NOT_FOUND, `Resource '${name}' was not found`);
        return this.apply(name, body);
      },
      GetService: (request) => this.serviceView(String(request.name)),
      DeleteService: (request) => {
        const name = String(request.name);
        const value = this.serviceSerialize(this.serviceView(name));
        this.services.delete(name);
        for (const [key, revision] of this.revisions) if (revision.service === name) this.revisions.delete(key);
        this.policies.delete(name);
        return this.finishedOperation(name, { typeUrl: 'type.googleapis.com/google.cloud.run.v2.Service', value });
      },
      GetIamPolicy: (request) => this.policy(String(request.resource)),
      SetIamPolicy: (request) => {
        const resource = String(request.resource);
        this.serviceView(resource);
        const policy = asRecord(request.policy);
        const bindings = (Array.isArray(policy.bindings) ? policy.bindings : []).map((b) => {
          const binding = asRecord(b);
          return { role: String(binding.role), members: (binding.members as string[]).map(String) };
        });
        this.policies.set(resource, { bindings, etag: Buffer.from(`etag-${++this.counter}`) });
        return this.policy(resource);
      },
    };
  }

  private revisionsHandlers(): Record<string, (request: Record<string, unknown>) => unknown> {
    return {
      GetRevision: (request) => {
        const revision = this.revisions.get(String(request.name));
        if (!revision) throw new RpcError(grpc.status.NOT_FOUND, `Revision '${String(request.name)}' was not found`);
        revision.reads += 1;
        return this.revisionView(revision);
      },
      ListRevisions: (request) => {
        const parent = String(request.parent);
        const revisions = [...this.revisions.values()]
          .filter((r) => r.service === parent)
          .sort((a, b) => b.createdAt - a.createdAt)
          .map((r) => this.revisionView(r));
        return { revisions, nextPageToken: '' };
      },
      DeleteRevision: (request) => {
        const name = String(request.name);
        const revision = this.revisions.get(name);
        if (!revision) throw new RpcError(grpc.status.NOT_FOUND, `Revision '${name}' was not found`);
        const referenced = this.traffic(revision.service).some((t) => t.revision === revision.shortName && (t.percent > 0 || t.tag));
        if (referenced) {
          throw new RpcError(grpc.status.FAILED_PRECONDITION, `Revision '${revision.shortName}' is referenced by the service's traffic and cannot be deleted.`);
        }
        const value = this.revisionSerialize(this.revisionView(revision));
        this.revisions.delete(name);
        return this.finishedOperation(revision.service, { typeUrl: 'type.googleapis.com/google.cloud.run.v2.Revision', value });
      },
    };
  }

  private operationsHandlers(): Record<string, (request: Record<string, unknown>) => unknown> {
    return {
      GetOperation: (request) => {
        const operation = this.operations.get(String(request.name));
        if (!operation) throw new RpcError(grpc.status.NOT_FOUND, `Operation '${String(request.name)}' was not found`);
        operation.polls += 1;
        return this.operationView(operation);
      },
    };
  }

  /** Applies a create or update: a new revision when the template names a new one, then the traffic. */
  private apply(name: string, body: Record<string, unknown>): unknown {
    const service = this.services.get(name) as FakeService;
    const shortService = name.split('/').pop() as string;
    const template = asRecord(body.template);
    let revisionName = String(template.revision ?? '');
    if (!revisionName) revisionName = `${shortService}-${String(++this.counter).padStart(5, '0')}-fak`;
    if (!revisionName.startsWith(`${shortService}-`) || revisionName !== revisionName.toLowerCase()) {
      throw new RpcError(grpc.status.INVALID_ARGUMENT, `Revision name '${revisionName}' must be lower case and start with '${shortService}-'.`);
    }
    const fullRevision = `${name}/revisions/${revisionName}`;
    const created = !this.revisions.has(fullRevision);
    const requested = (Array.isArray(body.traffic) ? body.traffic : []).map((t) => toTraffic(asRecord(t)));
    const traffic = requested.length > 0 ? requested : [{ type: LATEST, revision: '', percent: 100, tag: '' }];
    const total = traffic.reduce((sum, t) => sum + t.percent, 0);
    if (total !== 100) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Traffic percentages must add up to 100, got ${total}.`);
    for (const t of traffic) {
      const known = t.revision === revisionName || this.revisions.has(`${name}/revisions/${t.revision}`);
      if (t.type === REVISION && !known) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Revision '${t.revision}' does not exist.`);
    }
    const tags = traffic.map((t) => t.tag).filter(Boolean);
    if (new Set(tags).size !== tags.length) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'Traffic tags must be unique.');
    if (created) {
      this.revisions.set(fullRevision, {
        name: fullRevision,
        shortName: revisionName,
        service: name,
        template: { ...template, revision: revisionName },
        createdAt: Date.now() + ++this.counter / 1000,
        reads: 0,
        script: this.nextScripts.shift() ?? {},
      });
    }
    service.body = { ...body, name, template: { ...template, revision: revisionName } };
    service.traffic = traffic;
    service.generation += 1;
    const operation: FakeOperation = {
      name: `${name.replace(/\/services\/.*/, '')}/operations/op-${++this.counter}`,
      service: name,
      revision: created ? fullRevision : null,
      polls: 0,
    };
    this.operations.set(operation.name, operation);
    return this.operationView(operation);
  }

  private finishedOperation(service: string, deleted: { typeUrl: string; value: Buffer }): Record<string, unknown> {
    const operation: FakeOperation = {
      name: `${service.replace(/\/services\/.*/, '')}/operations/op-${++this.counter}`,
      service,
      revision: null,
      polls: 0,
      deleted,
    };
    this.operations.set(operation.name, operation);
    return this.operationView(operation);
  }

  private readyState(revision: FakeRevision): { state: string; message: string } {
    if (revision.script.ready === 'failed') return { state: 'CONDITION_FAILED', message: revision.script.message ?? 'The revision failed.' };
    if (revision.script.ready === 'pending') return { state: 'CONDITION_PENDING', message: revision.script.message ?? 'Waiting for the container to start.' };
    return revision.reads > 0 ? { state: 'CONDITION_SUCCEEDED', message: '' } : { state: 'CONDITION_RECONCILING', message: 'Deploying revision.' };
  }

  private isReady(revision: FakeRevision): boolean {
    return this.readyState(revision).state === 'CONDITION_SUCCEEDED';
  }

  private operationView(operation: FakeOperation): Record<string, unknown> {
    if (operation.deleted) return { name: operation.name, metadata: operation.deleted, done: true, response: operation.deleted };
    const revision = operation.revision ? this.revisions.get(operation.revision) : undefined;
    const metadata = { typeUrl: 'type.googleapis.com/google.cloud.run.v2.Service', value: this.serviceSerialize(this.serviceView(operation.service)) };
    if (revision) {
      // Cloud Run finishes the operation once the revision is ready, or fails it when it cannot be.
      const { state, message } = this.readyState(revision);
      if (state === 'CONDITION_FAILED') {
        const error = {
          code: grpc.status.FAILED_PRECONDITION,
          message: `Revision '${revision.shortName}' is not ready and cannot serve traffic. ${message}`,
          details: [],
        };
        return { name: operation.name, metadata, done: true, error };
      }
      if (state === 'CONDITION_PENDING' || operation.polls === 0) return { name: operation.name, metadata, done: false };
      revision.reads = Math.max(revision.reads, 1);
    }
    return { name: operation.name, metadata, done: true, response: { ...metadata } };
  }

  private serviceView(name: string): Record<string, unknown> {
    const service = this.services.get(name);
    if (!service) throw new RpcError(grpc.status.NOT_FOUND, `Resource '${name}' was not found`);
    const revisions = [...this.revisions.values()].filter((r) => r.service === name).sort((a, b) => b.createdAt - a.createdAt);
    const latestReady = revisions.find((r) => this.isReady(r));
    return {
      ...service.body,
      name,
      generation: String(service.generation),
      observedGeneration: String(service.generation),
      uri: this.serviceUri(name),
      urls: [this.serviceUri(name)],
      latestCreatedRevision: revisions[0]?.name ?? '',
      // Cloud Run's Ready condition follows the latest revision it was asked to make.
      terminalCondition: revisions[0] ? { type: 'Ready', ...this.readyState(revisions[0]) } : { type: 'Ready', state: 'CONDITION_PENDING', message: '' },
      latestReadyRevision: latestReady?.name ?? '',
      traffic: service.traffic,
      trafficStatuses: this.trafficStatuses(name, service.traffic).map((t) => ({
        ...t,
        uri: t.tag ? `${this.httpBase}/t/${encodeURIComponent(name)}/${t.tag}` : '',
      })),
    };
  }

  private trafficStatuses(name: string, traffic: FakeTraffic[]): FakeTraffic[] {
    const latest = [...this.revisions.values()].filter((r) => r.service === name && this.isReady(r)).sort((a, b) => b.createdAt - a.createdAt)[0];
    return traffic.map((t) => ({ ...t, revision: t.type === LATEST ? (latest?.shortName ?? '') : t.revision }));
  }

  private revisionView(revision: FakeRevision): Record<string, unknown> {
    const { state, message } = this.readyState(revision);
    return {
      ...revision.template,
      name: revision.name,
      service: revision.service,
      createTime: { seconds: String(Math.floor(revision.createdAt / 1000)), nanos: Math.floor((revision.createdAt % 1000) * 1e6) },
      reconciling: state === 'CONDITION_RECONCILING',
      conditions: [
        { type: 'Ready', state, message, severity: state === 'CONDITION_FAILED' ? 'ERROR' : 'INFO' },
        { type: 'ContainerHealthy', state, message, severity: 'INFO' },
      ],
    };
  }

  private policy(resource: string): Record<string, unknown> {
    this.serviceView(resource);
    const policy = this.policies.get(resource) ?? { bindings: [], etag: Buffer.from('etag-0') };
    return { version: 1, bindings: policy.bindings, etag: policy.etag };
  }

  /** The tiny HTTP app: `/s/<service>` routes to the top revision, `/t/<service>/<tag>` to the tagged one. */
  private route(url: string): { status: number; body: string } {
    const [, kind, service = '', tag] = url.split('/');
    const name = decodeURIComponent(service);
    const serviceRecord = this.services.get(name);
    if (!serviceRecord) return { status: 404, body: 'no such service' };
    const statuses = this.trafficStatuses(name, serviceRecord.traffic);
    const target = kind === 't' ? statuses.find((t) => t.tag === tag)?.revision : this.servingRevision(name);
    const revision = target ? this.revisions.get(`${name}/revisions/${target}`) : undefined;
    if (!revision || !this.isReady(revision)) return { status: 503, body: 'no ready revision' };
    return { status: revision.script.httpStatus ?? 200, body: revision.shortName };
  }
}
