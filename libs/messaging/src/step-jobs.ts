import { analyzeSubject, buildSubject, deploySubject, type RequestSubject, type WireError } from '#contracts';
import { DomainError } from '#common';

/** The workflow's steps, each answered by one worker service. */
export const STEP_SUBJECTS = { analyze: analyzeSubject, build: buildSubject, deploy: deploySubject } as const;
export type StepName = keyof typeof STEP_SUBJECTS;

/** How many times a step's job is delivered at most; a delivery after that fails the deployment with `INTERRUPTED`. */
export const MAX_DELIVERIES = 3;
/** A worker that has not acknowledged progress for this long is taken for dead and its job is delivered again. */
export const DEFAULT_ACK_WAIT_MS = 30_000;

/** One step of one deployment, as a job on the work queue. */
export interface StepJob {
  /** `<deploymentId>:<step>:<attempt>`: the queue takes a job with an id it holds already only once. */
  id: string;
  deploymentId: string;
  step: StepName;
  /** The workflow's attempt at this step (a new one only once the previous one has a result). */
  attempt: number;
  /** The request subject whose handler runs the step, and its request. */
  subject: string;
  payload: Record<string, unknown>;
}

export function stepJobId(deploymentId: string, step: StepName, attempt: number): string {
  return `${deploymentId}:${step}:${attempt}`;
}

/** What a step's job ended with: the handler's reply, or its error as it travels on the wire. */
export type StepResult = ({ ok: true; value: unknown } | { ok: false; error: WireError }) & {
  /** Which delivery of the job ended it: above 1, its step was retried after a worker went silent. */
  delivery?: number;
};

/** Whether a stored message is a step's result (not a worker's claim on the job). */
export function isStepResult(value: unknown): value is StepResult {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

/** One delivery of a job to a worker. */
export interface JobDelivery {
  job: StepJob;
  /** 1 for the first delivery, 2 once a worker went silent and the job was handed out again, … */
  delivery: number;
  /** Tells the queue the worker is alive and still on it: the job is not handed to anyone else. */
  working(): void;
}

/** A worker's side: runs a delivered job and says how it ended (stored before the job is acknowledged). */
export type JobHandler = (delivery: JobDelivery) => Promise<StepResult>;

/**
 * Steps as jobs on a work queue, the same semantics on every transport: a job is published once
 * per id (de-duplicated), taken by one worker replica of its service, kept alive by the worker's
 * progress acknowledgements, handed out again when its worker goes silent for `ackWaitMs`, and
 * given up after `MAX_DELIVERIES` with an `INTERRUPTED` result. Results are stored, so an
 * orchestrator that comes back after a crash finds what finished while it was away.
 */
export interface StepJobQueue {
  /** Publishes the job (unless it is there, or has a result, already) and waits for its result. */
  run(job: StepJob, options: { service: string; signal?: AbortSignal }): Promise<StepResult>;
  /** Takes the jobs of a service's steps; resolves once listening, and returns what stops it. */
  consume(service: string, steps: StepName[], handler: JobHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The step whose request subject this is, if it is one. */
export function stepOfSubject(subject: string): StepName | undefined {
  return (Object.keys(STEP_SUBJECTS) as StepName[]).find((step) => STEP_SUBJECTS[step].subject === subject);
}

export function serviceOfStep(step: StepName): string {
  return STEP_SUBJECTS[step].service;
}

/** The reply or the error of a step's result, as a request on its subject would have given them. */
export function resultValue(def: RequestSubject, result: StepResult): unknown {
  if (result.ok) return result.value;
  throw (
    DomainError.fromWire(result.error) ??
    new DomainError('INTERNAL', `The ${def.service} failed while handling ${def.subject}.`, 'Check the server log, then try again.')
  );
}

/** The result a job gets once it was delivered `MAX_DELIVERIES` times and never finished. */
export function interruptedResult(job: StepJob, deliveries: number): StepResult {
  const service = serviceOfStep(job.step);
  return {
    ok: false,
    error: new DomainError(
      'INTERRUPTED',
      `The ${job.step} step was interrupted ${deliveries} times (its ${service} stopped answering) and was given up.`,
      `Check that the ${service} service stays up (its log says why it stopped), then deploy again.`,
    ).toWire(),
  };
}

/**
 * The log line of a delivery's result that does not count: the delivery was taken for dead (it went
 * silent) and a later one took its job over. Names the job, never what the step returned.
 */
export function lateResultDropped(job: StepJob, delivery: number, why: string): string {
  return `Dropped the late result of the ${job.step} step of deployment ${job.deploymentId} (attempt ${job.attempt}, delivery ${delivery}): ${why}`;
}

export interface StepWorkerOptions {
  /** How often the worker acknowledges progress while a step runs. */
  heartbeatMs: number;
  /** Told when a job comes again after its worker went silent (the worker's log says so). */
  onRetry?: (job: StepJob, delivery: number) => void;
}

/**
 * The worker's side of a job, shared by every transport: heartbeats while the step runs, gives up
 * a job delivered too often, reports a retry, and turns the handler's outcome into a result.
 * `dispatch` runs the step's ordinary request handler, with the delivery number as `attempt`
 * (each delivery works in its own folder).
 */
export function stepJobHandler(dispatch: (subject: string, payload: unknown) => Promise<unknown>, options: StepWorkerOptions): JobHandler {
  return async ({ job, delivery, working }) => {
    if (delivery > MAX_DELIVERIES) return { ...interruptedResult(job, delivery - 1), delivery };
    const heartbeat = setInterval(working, options.heartbeatMs);
    try {
      if (delivery > 1) options.onRetry?.(job, delivery);
      const value = await dispatch(job.subject, { ...job.payload, attempt: delivery });
      return { ok: true, value, delivery };
    } catch (error) {
      return { ok: false, error: (DomainError.fromWire(error) ?? DomainError.from(error)).toWire(), delivery };
    } finally {
      clearInterval(heartbeat);
    }
  };
}
