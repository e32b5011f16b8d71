import { AsyncLocalStorage } from 'node:async_hooks';

/** What a log line can say about the work it was written for. */
export interface LogContext {
  deploymentId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `work` (and everything it starts, awaited or not) with these fields on each of its log lines. */
export function withLogContext<T>(context: LogContext, work: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, work);
}

export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}
