import { randomUUID } from 'node:crypto';
import {
  BaseRpcContext,
  ClientProxy,
  Server,
  type CustomTransportStrategy,
  type MessageHandler,
  type ReadPacket,
  type WritePacket,
} from '@nestjs/microservices';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception.js';
import { InProcessJobQueue } from './in-process-jobs.js';
import { serviceOfStep, STEP_SUBJECTS, stepJobHandler, type StepName } from './step-jobs.js';

/** How often an in-process worker says it is still on its job. */
const HEARTBEAT_MS = 5000;

type Respond = (packet: WritePacket) => void;

export class InProcessContext extends BaseRpcContext<[string]> {
  getPattern(): string {
    return this.args[0];
  }
}

/**
 * The in-process stand-in for a broker: servers attach, requests go to one server that handles the
 * pattern (round robin, like a NATS queue group), events to every server that handles it.
 * Payloads are copied through JSON, exactly as a real transport would serialise them.
 */
export class InProcessBus {
  private readonly servers: InProcessServer[] = [];
  private turn = 0;
  /** The step jobs of the services on this bus (the all-in-one mode's work queue). */
  readonly jobs: InProcessJobQueue;

  constructor(options: { ackWaitMs?: number } = {}) {
    this.jobs = new InProcessJobQueue(options.ackWaitMs);
  }

  attach(server: InProcessServer): void {
    if (!this.servers.includes(server)) this.servers.push(server);
  }

  detach(server: InProcessServer): void {
    const index = this.servers.indexOf(server);
    if (index >= 0) this.servers.splice(index, 1);
  }

  request(pattern: string, data: unknown, respond: Respond): () => void {
    const candidates = this.servers.filter((s) => s.handles(pattern));
    if (candidates.length === 0) {
      respond({ err: new EmptyResponseException(pattern), isDisposed: true });
      return () => undefined;
    }
    const server = candidates[this.turn++ % candidates.length]!;
    let cancelled = false;
    setImmediate(() => {
      if (cancelled) return;
      void server.receiveRequest(pattern, copy(data), (packet) => {
        if (!cancelled) respond(copy(packet));
      });
    });
    return () => {
      cancelled = true;
    };
  }

  /** Every server that handles the event gets it: a broadcast (`{ broadcast: true }`) is what an in-process event always is. */
  async emit(pattern: string, data: unknown): Promise<void> {
    const targets = this.servers.filter((s) => s.handles(pattern));
    await Promise.all(targets.map((s) => s.receiveEvent(pattern, copy(data))));
  }
}

function copy<T>(value: T): T {
  if (value === undefined) return value;
  if (value instanceof Error) return value;
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The default bus of this process: what the all-in-one server wires every service to. */
export const defaultInProcessBus = new InProcessBus();

export class InProcessServer extends Server implements CustomTransportStrategy {
  override readonly transportId = Symbol('in-process');

  constructor(private readonly bus: InProcessBus = defaultInProcessBus) {
    super();
    this.initializeSerializer({});
    this.initializeDeserializer({});
  }

  private stopJobs: (() => Promise<void>)[] = [];
  /** Each message asks every server on the bus whether it handles the subject: the answers are kept. */
  private readonly routes = new Map<string, MessageHandler | null>();

  listen(callback: () => void): void {
    this.bus.attach(this);
    // The steps this server handles also come as jobs, to the same handlers.
    const steps = (Object.keys(STEP_SUBJECTS) as StepName[]).filter((step) => this.handles(STEP_SUBJECTS[step].subject));
    const handler = stepJobHandler((subject, payload) => this.dispatch(subject, payload), { heartbeatMs: HEARTBEAT_MS });
    const services = new Set(steps.map(serviceOfStep));
    void Promise.all(
      [...services].map((service) =>
        this.bus.jobs.consume(
          service,
          steps.filter((step) => serviceOfStep(step) === service),
          handler,
        ),
      ),
    ).then((stops) => {
      this.stopJobs = stops;
      callback();
    });
  }

  close(): void {
    this.bus.detach(this);
    for (const stop of this.stopJobs.splice(0)) void stop();
  }

  /** Runs a request handler and resolves with its reply (or rejects with its error). */
  private dispatch(pattern: string, data: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      void this.receiveRequest(pattern, copy(data), (packet) => {
        if (packet.err !== undefined && packet.err !== null) reject(packet.err as Error);
        else if (packet.response !== undefined || packet.isDisposed) resolve(copy(packet.response));
      });
    });
  }

  on(): void {
    // The bus raises no transport events.
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  override addHandler(...args: Parameters<Server['addHandler']>): void {
    this.routes.clear();
    super.addHandler(...args);
  }

  override getHandlerByPattern(pattern: string): MessageHandler | null {
    let handler = this.routes.get(pattern);
    if (handler === undefined) this.routes.set(pattern, (handler = super.getHandlerByPattern(pattern)));
    return handler;
  }

  handles(pattern: string): boolean {
    return this.getHandlerByPattern(pattern) !== null;
  }

  async receiveRequest(pattern: string, data: unknown, respond: Respond): Promise<void> {
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) {
      respond({ err: new EmptyResponseException(pattern), isDisposed: true });
      return;
    }
    const context = new InProcessContext([pattern]);
    this.handleRequest(
      context,
      async () => this.transformToObservable(await handler(data, context)),
      (packet) => respond(packet),
    );
  }

  async receiveEvent(pattern: string, data: unknown): Promise<void> {
    await this.handleEvent(pattern, { pattern, data }, new InProcessContext([pattern]));
  }
}

export class InProcessClient extends ClientProxy {
  constructor(private readonly bus: InProcessBus = defaultInProcessBus) {
    super();
    this.initializeSerializer({});
    this.initializeDeserializer({});
  }

  async connect(): Promise<void> {
    // Nothing to connect to: the bus lives in this process.
  }

  close(): void {
    // Nothing to release.
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const id = randomUUID();
    const pattern = this.normalizePattern(packet.pattern);
    return this.bus.request(pattern, packet.data, (reply) => callback({ ...reply, id } as WritePacket));
  }

  protected dispatchEvent<T>(packet: ReadPacket): Promise<T> {
    return this.bus.emit(this.normalizePattern(packet.pattern), packet.data) as Promise<T>;
  }
}
