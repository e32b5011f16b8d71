import * as grpc from '@grpc/grpc-js';

/** The fake Cloud Run's records and wire helpers. */

/** How the next revision the fake creates behaves. */
export interface FakeRevisionScript {
  /** `pending`: Ready never settles; `failed`: Ready fails with `message`. Default: ready after one read. */
  ready?: 'pending' | 'failed';
  message?: string;
  /** The status its URLs answer with (default 200). */
  httpStatus?: number;
}

export interface FakeTraffic {
  type: string;
  revision: string;
  percent: number;
  tag: string;
}

export interface FakeRevision {
  name: string;
  shortName: string;
  service: string;
  template: Record<string, unknown>;
  createdAt: number;
  reads: number;
  script: FakeRevisionScript;
}

export interface FakeService {
  body: Record<string, unknown>;
  traffic: FakeTraffic[];
  generation: number;
}

export interface FakeOperation {
  name: string;
  service: string;
  /** The revision the operation waits for, if it created one. */
  revision: string | null;
  polls: number;
  /** A delete's operation: done at once, carrying what was deleted. */
  deleted?: { typeUrl: string; value: Buffer };
}

export interface FakeIamBinding {
  role: string;
  members: string[];
}

export const LATEST = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST';
export const REVISION = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION';

export class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

export function toTraffic(value: Record<string, unknown>): FakeTraffic {
  const type = String(value.type || LATEST);
  return {
    type: type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED' ? LATEST : type,
    revision: String(value.revision ?? ''),
    percent: Number(value.percent ?? 0),
    tag: String(value.tag ?? ''),
  };
}
