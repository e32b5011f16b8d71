import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';

/**
 * How long a stop waits for the work in hand before the database closes: well inside the 10 s a
 * container gets between SIGTERM and SIGKILL, long enough for a chat reply or a step's bookkeeping.
 */
export const SHUTDOWN_GRACE_MS = 5000;

/**
 * The orchestrator's work in hand: the handlers running (requests and events) and the deployments
 * it works on. When the orchestrator stops, what waits on something else stops waiting (told by
 * `onStop`) and the rest is let finish, for at most `SHUTDOWN_GRACE_MS`, before the database pool
 * closes (in `onApplicationShutdown`, which Nest calls only after every `beforeApplicationShutdown`).
 */
@Injectable()
export class InFlightWork implements BeforeApplicationShutdown {
  private readonly logger = new Logger(InFlightWork.name);
  private readonly pending = new Map<Promise<void>, string>();
  private readonly stopListeners: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly graceMs: number = SHUTDOWN_GRACE_MS) {}

  /** The orchestrator is stopping: nothing new is started. */
  get stopping(): boolean {
    return this.stopped;
  }

  /** Keeps `work` in hand until it settles; `what` names it in the log if a stop has to leave it. */
  track<T>(what: string, work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.pending.set(settled, what);
    void settled.then(() => this.pending.delete(settled));
    return work;
  }

  /** Told once, as the stop begins: a wait that would outlast it gives up (a deployment's step is resumed later). */
  onStop(listener: () => void): void {
    this.stopListeners.push(listener);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const listener of this.stopListeners.splice(0)) listener();
    const deadline = Date.now() + this.graceMs;
    let timer: NodeJS.Timeout | undefined;
    // Work settling may have started more (a handler's last write): wait until none is left.
    while (this.pending.size > 0 && Date.now() < deadline) {
      const outOfTime = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadline - Date.now())));
      await Promise.race([Promise.all(this.pending.keys()), outOfTime]);
      clearTimeout(timer);
    }
    if (this.pending.size > 0) {
      const names = [...new Set(this.pending.values())].join(', ');
      this.logger.warn(`Stopping with ${this.pending.size} still running after ${this.graceMs / 1000} s (${names}): the database closes under them.`);
    }
  }
}
