import { DomainError } from '#common';

/** How long a step has, once cancelled, to stop on its own before it is reported cancelled anyway. */
export const CANCEL_GRACE_MS = 1500;
/** A cancel that arrives before its step starts still stops it: cancelled deployments are remembered this long. */
const REMEMBER_MS = 15 * 60_000;
const MAX_REMEMBERED = 5000;

/** What a cancelled step fails with. */
export function cancelledError(): DomainError {
  return new DomainError('CANCELLED', 'The deployment was cancelled.', 'Deploy again when you are ready.');
}

/** Stops a step between two pieces of work once its deployment is cancelled. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw signal.reason instanceof DomainError ? signal.reason : cancelledError();
}

/** A running step's hold on its cancellation: its signal, and `end()` once it has stopped. */
export interface StepHandle {
  signal: AbortSignal;
  end(): void;
}

/**
 * The steps this process is running, by deployment: a cancel (from `workers.cancel.v1`, which every
 * worker replica receives) aborts the signal of each. A step started after its deployment was
 * cancelled — the cancel overtook the job — is aborted from its start.
 */
export class StepCancellation {
  private readonly running = new Map<string, Set<AbortController>>();
  private readonly cancelledAt = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  begin(deploymentId: string): StepHandle {
    const controller = new AbortController();
    if (this.wasCancelled(deploymentId)) controller.abort(cancelledError());
    let steps = this.running.get(deploymentId);
    if (!steps) this.running.set(deploymentId, (steps = new Set()));
    steps.add(controller);
    return {
      signal: controller.signal,
      end: () => {
        steps.delete(controller);
        if (steps.size === 0 && this.running.get(deploymentId) === steps) this.running.delete(deploymentId);
      },
    };
  }

  /** Aborts every step of the deployment running here; returns how many there were. */
  cancel(deploymentId: string): number {
    this.remember(deploymentId);
    const steps = [...(this.running.get(deploymentId) ?? [])];
    for (const controller of steps) if (!controller.signal.aborted) controller.abort(cancelledError());
    return steps.length;
  }

  isRunning(deploymentId: string): boolean {
    return (this.running.get(deploymentId)?.size ?? 0) > 0;
  }

  private wasCancelled(deploymentId: string): boolean {
    const at = this.cancelledAt.get(deploymentId);
    return at !== undefined && this.now() - at < REMEMBER_MS;
  }

  private remember(deploymentId: string): void {
    this.cancelledAt.delete(deploymentId);
    this.cancelledAt.set(deploymentId, this.now());
    // Oldest first (a Map keeps insertion order): forget what is too old, and never hold more than the cap.
    for (const [id, at] of this.cancelledAt) {
      if (this.cancelledAt.size <= MAX_REMEMBERED && this.now() - at < REMEMBER_MS) break;
      this.cancelledAt.delete(id);
    }
  }
}

/** This process's steps: the workers' step runner registers with it, their cancel listener aborts through it. */
export const stepCancellation = new StepCancellation();

/**
 * `work`'s outcome, unless the signal is aborted and `work` has not settled `graceMs` later: then
 * the step is reported cancelled while `work` finishes tidying up on its own.
 */
export function withCancelGrace<T>(work: Promise<T>, signal: AbortSignal, graceMs: number = CANCEL_GRACE_MS): Promise<T> {
  if (signal.aborted && graceMs <= 0) {
    work.catch(() => undefined);
    return Promise.reject(cancelledError());
  }
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => reject(cancelledError()), graceMs);
    };
    const settle = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        // Whatever the step threw goes on as it is: the step runner redacts and classifies it.
        reject(error as Error);
      },
    );
  });
}
