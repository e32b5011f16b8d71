import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception.js';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import type { EventSubject, PayloadOf, RequestOf, RequestSubject, ResponseOf } from '#contracts';
import { DomainError } from '#common';
import { busRequestSeconds } from './observability/metrics.js';

export const RAW_CLIENT = Symbol('RAW_CLIENT');

/**
 * The only way services talk to each other: validates what goes out and what comes back, applies
 * the subject's timeout, and turns "nobody is listening" and timeouts into clear errors.
 */
@Injectable()
export class MessageBus implements OnApplicationShutdown {
  private readonly logger = new Logger(MessageBus.name);

  constructor(@Inject(RAW_CLIENT) private readonly client: ClientProxy) {}

  async request<S extends RequestSubject>(def: S, payload: RequestOf<S>, options: { timeoutMs?: number } = {}): Promise<ResponseOf<S>> {
    const data = def.request.parse(payload);
    const waitMs = options.timeoutMs ?? def.timeoutMs;
    const done = busRequestSeconds.startTimer({ subject: def.subject });
    let reply: unknown;
    try {
      reply = await firstValueFrom(this.client.send(def.subject, data).pipe(timeout(waitMs)));
    } catch (error) {
      const failure = this.toDomainError(def, waitMs, error);
      done({ outcome: failure.code });
      throw failure;
    }
    const parsed = def.response.safeParse(reply);
    if (!parsed.success) {
      done({ outcome: 'INTERNAL' });
      this.logger.error(`Malformed reply on ${def.subject}: ${parsed.error.message}`);
      throw new DomainError('INTERNAL', `The ${def.service} sent a reply ServerGem could not read.`, 'Check that every service runs the same version.');
    }
    done({ outcome: 'ok' });
    return parsed.data as ResponseOf<S>;
  }

  async emit<S extends EventSubject>(def: S, payload: PayloadOf<S>): Promise<void> {
    const data = def.payload.parse(payload);
    await firstValueFrom(this.client.emit(def.subject, data), { defaultValue: undefined });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }

  private toDomainError(def: RequestSubject, waitMs: number, error: unknown): DomainError {
    if (error instanceof DomainError) return error;
    if (error instanceof TimeoutError) {
      return new DomainError(
        'TIMEOUT',
        `The ${def.service} did not answer ${def.subject} within ${Math.round(waitMs / 1000)} s.`,
        `Check that the ${def.service} service is running and healthy, then try again.`,
      );
    }
    // A worker's own error keeps its code, whatever its text says (a build log may well contain "503").
    const wire = DomainError.fromWire(error);
    if (wire) return wire;
    if (isNoResponders(error)) {
      return new DomainError(
        'SERVICE_UNAVAILABLE',
        `The ${def.service} is unavailable: no instance is listening on ${def.subject}.`,
        `Start the ${def.service} service (or the all-in-one server) and try again.`,
      );
    }
    this.logger.error(`Request ${def.subject} failed: ${describe(error)}`);
    return new DomainError('INTERNAL', `The ${def.service} failed while handling ${def.subject}.`, 'Check the server log, then try again.');
  }
}

/** NATS' "no responders" status, the in-process bus's equivalent, or a server with no handler for the subject. */
function isNoResponders(error: unknown): boolean {
  if (error instanceof EmptyResponseException) return true;
  if (error instanceof Error && (error.name === 'NoRespondersError' || (error as { code?: unknown }).code === '503')) return true;
  const text = typeof error === 'string' ? error : error instanceof Error ? error.message : '';
  return /^(no responders|Empty response|There is no matching message handler)/i.test(text);
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
