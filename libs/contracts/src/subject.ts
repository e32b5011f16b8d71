import type { z } from 'zod';

/** A request/reply subject: a versioned name, the schemas of both sides and how long to wait. */
export interface RequestSubject<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly kind: 'request';
  readonly subject: string;
  /** The service that answers, named in "unavailable" errors. */
  readonly service: string;
  readonly request: Req;
  readonly response: Res;
  readonly timeoutMs: number;
}

/** A fire-and-forget event subject. */
export interface EventSubject<P extends z.ZodType = z.ZodType> {
  readonly kind: 'event';
  readonly subject: string;
  readonly payload: P;
}

export function defineRequest<Req extends z.ZodType, Res extends z.ZodType>(def: Omit<RequestSubject<Req, Res>, 'kind'>): RequestSubject<Req, Res> {
  return { kind: 'request', ...def };
}

export function defineEvent<P extends z.ZodType>(def: Omit<EventSubject<P>, 'kind'>): EventSubject<P> {
  return { kind: 'event', ...def };
}

export type RequestOf<S extends RequestSubject> = z.input<S['request']>;
export type ResponseOf<S extends RequestSubject> = z.output<S['response']>;
export type PayloadOf<S extends EventSubject> = z.input<S['payload']>;
