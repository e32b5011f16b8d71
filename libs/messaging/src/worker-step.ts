import type { Stage } from '#contracts';
import { Redactor, redactError } from '#common';
import type { MessageBus } from './message-bus.js';
import { ProgressReporter } from './progress-reporter.js';

export interface WorkerStep {
  /** Absent for work outside a deployment (an `analyze` from chat): nothing is reported then. */
  deploymentId: string | undefined;
  /** The stage the step's first lines belong to. */
  stage: Stage;
  /** The deployment's secrets in clear — its GitHub token today, any other secret it is given. */
  secrets: Iterable<string | null | undefined>;
}

/**
 * Runs one step of a deployment in a worker. Nothing leaves it with a secret in it: every stage
 * message and log line is redacted as it is reported, and the error the step fails with (message,
 * hint, log tail, stack) is redacted before the RPC filter logs it or sends it back. The log is
 * flushed before the step answers, so its lines are stored before its result or its error.
 */
export async function runWorkerStep<T>(bus: MessageBus, step: WorkerStep, work: (reporter: ProgressReporter) => Promise<T>): Promise<T> {
  const redactor = new Redactor(step.secrets);
  const reporter = new ProgressReporter(bus, step.deploymentId, step.stage, redactor);
  try {
    const result = await work(reporter);
    await reporter.flush();
    return result;
  } catch (error) {
    await reporter.flush().catch(() => undefined);
    throw redactError(error, redactor);
  }
}
