import type { Stage } from '#contracts';
import { Redactor, redactError } from '#common';
import type { MessageBus } from './message-bus.js';
import { withLogContext } from './observability/log-context.js';
import { outcomeOf, stepSeconds } from './observability/metrics.js';
import { ProgressReporter } from './progress-reporter.js';

/** The step a worker runs, named by the stage its first lines belong to. */
const STEP_OF: Partial<Record<Stage, string>> = { cloning: 'analyze', analyzing: 'analyze', generating: 'build', building: 'build', deploying: 'deploy' };

export interface WorkerStep {
  /** Absent for work outside a deployment (an `analyze` from chat): nothing is reported then. */
  deploymentId: string | undefined;
  /** The stage the step's first lines belong to. */
  stage: Stage;
  /** The deployment's secrets in clear — its GitHub token today, any other secret it is given. */
  secrets: Iterable<string | null | undefined>;
  /** Where the step's work goes (`local`, `cloudrun`), for its metrics. */
  target?: string;
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
  const done = stepSeconds.startTimer({ step: STEP_OF[step.stage] ?? step.stage, target: step.target ?? 'none' });
  // Every line the step logs, in this service, names its deployment.
  return withLogContext(step.deploymentId ? { deploymentId: step.deploymentId } : {}, async () => {
    try {
      const result = await work(reporter);
      await reporter.flush();
      done({ outcome: 'ok' });
      return result;
    } catch (error) {
      await reporter.flush().catch(() => undefined);
      done({ outcome: outcomeOf(error) });
      throw redactError(error, redactor);
    }
  });
}
