import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { RequestOf, ResponseOf } from '#contracts';
import { DomainError } from '#common';
import { busRequestSeconds } from './observability/metrics.js';
import { resultValue, serviceOfStep, STEP_SUBJECTS, stepJobId, type StepJobQueue, type StepName } from './step-jobs.js';

export const STEP_JOB_QUEUE = Symbol('STEP_JOB_QUEUE');

type Def<N extends StepName> = (typeof STEP_SUBJECTS)[N];

/** A step's reply, and which delivery of its job gave it (above 1: the step was retried). */
export interface StepOutcome<N extends StepName> {
  value: ResponseOf<Def<N>>;
  delivery: number;
}

/**
 * The orchestrator's way to run a workflow step: as a job on the installation's work queue
 * (JetStream over NATS, in memory in the all-in-one mode), validated both ways like a request.
 */
@Injectable()
export class StepJobs implements OnApplicationShutdown {
  private readonly logger = new Logger(StepJobs.name);

  constructor(@Inject(STEP_JOB_QUEUE) private readonly queue: StepJobQueue) {}

  async run<N extends StepName>(
    step: N,
    job: { deploymentId: string; attempt: number },
    payload: RequestOf<Def<N>>,
    signal?: AbortSignal,
  ): Promise<StepOutcome<N>> {
    const def = STEP_SUBJECTS[step];
    const data = def.request.parse(payload) as Record<string, unknown>;
    const done = busRequestSeconds.startTimer({ subject: def.subject });
    const result = await this.queue.run(
      { id: stepJobId(job.deploymentId, step, job.attempt), deploymentId: job.deploymentId, step, attempt: job.attempt, subject: def.subject, payload: data },
      { service: serviceOfStep(step), signal },
    );
    let reply: unknown;
    try {
      reply = resultValue(def, result);
    } catch (error) {
      done({ outcome: (error as DomainError).code });
      throw error;
    }
    const parsed = def.response.safeParse(reply);
    if (!parsed.success) {
      done({ outcome: 'INTERNAL' });
      this.logger.error(`Malformed result of ${def.subject}: ${parsed.error.message}`);
      throw new DomainError('INTERNAL', `The ${def.service} sent a reply ServerGem could not read.`, 'Check that every service runs the same version.');
    }
    done({ outcome: 'ok' });
    return { value: parsed.data as ResponseOf<Def<N>>, delivery: result.delivery ?? 1 };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
