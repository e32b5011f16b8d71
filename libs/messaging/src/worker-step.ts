import type { Stage } from '#contracts';
import { Redactor, redactError } from '#common';
import type { MessageBus } from './message-bus.js';
import { withLogContext } from './observability/log-context.js';
import { outcomeOf, stepSeconds } from './observability/metrics.js';
import { ProgressReporter } from './progress-reporter.js';
import { MAX_DELIVERIES } from './step-jobs.js';
import { stepCancellation, withCancelGrace, type StepCancellation } from './step-cancellation.js';

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
  /** Which delivery of the step's job this is: above 1, the log says the step is being retried. */
  attempt?: number;
  /** Where its cancellation is registered; this process's registry unless a test gives its own. */
  cancellation?: StepCancellation;
}

/**
 * Runs one step of a deployment in a worker. Nothing leaves it with a secret in it: every stage
 * message and log line is redacted as it is reported, and the error the step fails with (message,
 * hint, log tail, stack) is redacted before the RPC filter logs it or sends it back. The log is
 * flushed before the step answers, so its lines are stored before its result or its error.
 *
 * The step's signal is aborted when its deployment is cancelled (`workers.cancel.v1`): the work
 * stops what it runs and fails with `CANCELLED`; one that has not stopped within the grace
 * (`CANCEL_GRACE_MS`) is reported cancelled anyway, and tidies up on its own after that.
 */
export async function runWorkerStep<T>(bus: MessageBus, step: WorkerStep, work: (reporter: ProgressReporter, signal: AbortSignal) => Promise<T>): Promise<T> {
  const redactor = new Redactor(step.secrets);
  const reporter = new ProgressReporter(bus, step.deploymentId, step.stage, redactor);
  const name = STEP_OF[step.stage] ?? step.stage;
  if ((step.attempt ?? 1) > 1) {
    reporter.step(
      step.stage,
      `Retrying the ${name} step (attempt ${step.attempt} of ${MAX_DELIVERIES}): the worker running it stopped answering, so another one took it over`,
    );
  }
  const done = stepSeconds.startTimer({ step: name, target: step.target ?? 'none' });
  // Work outside a deployment (an analysis from chat) cannot be cancelled: its signal never aborts.
  const handle = step.deploymentId
    ? (step.cancellation ?? stepCancellation).begin(step.deploymentId)
    : { signal: new AbortController().signal, end: () => undefined };
  // Every line the step logs, in this service, names its deployment.
  return withLogContext(step.deploymentId ? { deploymentId: step.deploymentId } : {}, async () => {
    try {
      const running = (async () => work(reporter, handle.signal))();
      // The step stays registered until its work has really stopped, even after the grace.
      void running.then(handle.end, handle.end);
      const result = await withCancelGrace(running, handle.signal);
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
