import type { protos } from '@google-cloud/run';
import type { TrafficSplit } from '#contracts';
import { DomainError } from '#common';

type V2 = typeof protos.google.cloud.run.v2;
export type RunService = protos.google.cloud.run.v2.IService;
export type RunRevision = protos.google.cloud.run.v2.IRevision;
export type RunTraffic = protos.google.cloud.run.v2.ITrafficTarget;

export const TRAFFIC_REVISION = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION' as const;
const TRAFFIC_LATEST = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST';
/** Tags ServerGem adds so a new revision gets its own URL before it takes traffic. */
const SERVERGEM_TAG = /^sg-[0-9a-f]{8}$/;

export type { TrafficSplit };

/** The last segment of a resource name (`.../revisions/web-1a2b3c4d` -> `web-1a2b3c4d`). */
export function shortName(name: string | null | undefined): string {
  return (name ?? '').split('/').pop() ?? '';
}

/** Enum fields arrive as names over gRPC and as numbers from decoded operation payloads. */
function enumName<E extends Record<string, string | number>>(value: unknown, values: E): string {
  if (typeof value === 'number') return String((values as Record<number, string>)[value] ?? value);
  return typeof value === 'string' ? value : '';
}

export function isLatest(target: RunTraffic, v2: V2): boolean {
  const type = enumName(target.type, v2.TrafficTargetAllocationType);
  return type === TRAFFIC_LATEST || type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED' || type === '';
}

export interface ReadyState {
  state: string;
  message: string;
}

/** The revision's Ready condition, and every condition as a log line. */
export function readiness(revision: RunRevision, v2: V2): { ready: ReadyState; lines: string[] } {
  const conditions = revision.conditions ?? [];
  const lines = conditions.map(
    (c) => `${shortName(revision.name)} ${c.type ?? '?'}: ${enumName(c.state, v2.Condition.State)}${c.message ? ` — ${c.message}` : ''}`,
  );
  const ready = conditions.find((c) => c.type === 'Ready');
  return {
    ready: { state: ready ? enumName(ready.state, v2.Condition.State) : 'CONDITION_PENDING', message: ready?.message ?? '' },
    lines,
  };
}

/** The revision serving the largest share of the service's traffic now, by short name. */
export function servingRevision(service: RunService, v2: V2): string | null {
  let best: { revision: string; percent: number } | null = null;
  for (const target of service.traffic ?? []) {
    const revision = isLatest(target, v2) ? shortName(service.latestReadyRevision) : (target.revision ?? '');
    const percent = target.percent ?? 0;
    if (revision && percent > 0 && (!best || percent > best.percent)) best = { revision, percent };
  }
  return best?.revision ?? null;
}

/**
 * The service's traffic with every "latest" target pinned to the revision serving now, so a new
 * revision takes none until it is verified; verification tags of earlier deployments are dropped.
 */
export function pinnedTraffic(service: RunService, v2: V2): RunTraffic[] {
  const latestReady = shortName(service.latestReadyRevision);
  return (service.traffic ?? [])
    .filter((t) => !((t.percent ?? 0) === 0 && SERVERGEM_TAG.test(t.tag ?? '')))
    .map((t) =>
      isLatest(t, v2) && latestReady
        ? { type: TRAFFIC_REVISION, revision: latestReady, percent: t.percent ?? 0, tag: t.tag ?? '' }
        : { type: t.type, revision: t.revision ?? '', percent: t.percent ?? 0, tag: t.tag ?? '' },
    );
}

/** The traffic without any of ServerGem's verification tags, so no tagged URL reaches a revision. */
export function withoutVerificationTags(traffic: RunTraffic[]): RunTraffic[] {
  return traffic.map((t) => (SERVERGEM_TAG.test(t.tag ?? '') ? { ...t, tag: '' } : t));
}

/**
 * New traffic from splits: each revision keeps its tags; tags people added on other revisions stay
 * at 0%, ServerGem's verification tags on them go.
 */
export function retarget(current: RunTraffic[], splits: TrafficSplit[], latestReady: string): RunTraffic[] {
  const resolved = current.map((t) => ({ ...t, revision: t.revision || latestReady }));
  const tagOf = (revision: string) => resolved.find((t) => t.revision === revision && t.tag)?.tag ?? '';
  const targets: RunTraffic[] = splits.map((s) => ({ type: TRAFFIC_REVISION, revision: s.revision, percent: s.percent, tag: tagOf(s.revision) }));
  const kept = resolved
    .filter((t) => t.tag && !SERVERGEM_TAG.test(t.tag) && !splits.some((s) => s.revision === t.revision))
    .map((t) => ({ type: TRAFFIC_REVISION, revision: t.revision, percent: 0, tag: t.tag }));
  return [...targets, ...kept];
}

/** Whole percentages, one per revision, adding up to 100. */
export function validateSplits(serviceName: string, splits: TrafficSplit[]): void {
  const problem =
    splits.length === 0
      ? 'no revisions were given'
      : splits.some((s) => !Number.isInteger(s.percent) || s.percent < 0 || s.percent > 100)
        ? 'each percentage must be a whole number from 0 to 100'
        : new Set(splits.map((s) => s.revision)).size !== splits.length
          ? 'a revision is listed twice'
          : splits.reduce((sum, s) => sum + s.percent, 0) !== 100
            ? `the percentages add up to ${splits.reduce((sum, s) => sum + s.percent, 0)}, not 100`
            : null;
  if (problem) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `Cannot split the traffic of ${serviceName}: ${problem}.`,
      'Give each revision a whole percentage so that together they make 100, e.g. 90 and 10.',
    );
  }
}
