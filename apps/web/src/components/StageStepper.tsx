import { stageIndex, type Stage } from '#contracts';
import { PIPELINE } from '../lib/deployment-state';

const LABELS: Record<Stage, string> = {
  queued: 'Queued',
  cloning: 'Fetch source',
  analyzing: 'Analyze',
  generating: 'Dockerfile',
  building: 'Build',
  pushing: 'Push',
  deploying: 'Deploy',
  verifying: 'Verify',
  live: 'Live',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export interface StageStepperProps {
  stage: Stage;
  /** The stage a failed deployment stopped at. */
  failedAt: Stage | null;
}

/** The pipeline as steps: done, current, failed or still to come. */
export function StageStepper({ stage, failedAt }: StageStepperProps) {
  const stopped = stage === 'failed' || stage === 'cancelled';
  const reached = stopped ? (failedAt ? stageIndex(failedAt) : -1) : stageIndex(stage);
  return (
    <ol className="stepper" aria-label="Deployment stages">
      {PIPELINE.map((step) => {
        const index = stageIndex(step);
        let status: 'done' | 'current' | 'failed' | 'todo' = 'todo';
        if (stopped && failedAt === step) status = 'failed';
        else if (index < reached || (step === 'live' && stage === 'live')) status = 'done';
        else if (index === reached && !stopped) status = 'current';
        return (
          <li key={step} className={`step step-${status}`} aria-current={status === 'current' ? 'step' : undefined}>
            <span className="step-dot" aria-hidden="true" />
            <span className="step-label">{LABELS[step]}</span>
            <span className="visually-hidden">
              {status === 'todo' ? ' (to come)' : status === 'current' ? ' (in progress)' : status === 'failed' ? ' (failed)' : ' (done)'}
            </span>
          </li>
        );
      })}
    </ol>
  );
}

export function stageLabel(stage: Stage): string {
  return LABELS[stage];
}
