import { useState } from 'react';
import { isFinished, type DeploymentState } from '../lib/deployment-state';
import { safeHttpUrl } from '../lib/format';
import { CancelButton } from './CancelButton';
import { LogView } from './LogView';
import { StageStepper } from './StageStepper';
import { StageTimeline } from './StageTimeline';

export interface DeploymentViewProps {
  deployment: DeploymentState;
  /** Prefix for test ids, so the live view and a history entry can be told apart. */
  testIdPrefix: 'deployment' | 'history';
  /** With it, a running deployment offers a cancel button (the live view). */
  accessToken?: string;
}

/** One deployment: stages, progress, the URL or the failure, and the full log. */
export function DeploymentView({ deployment, testIdPrefix, accessToken }: DeploymentViewProps) {
  const { stage, progress, message, lines, complete, error } = deployment;
  const url = complete?.url ?? null;
  const href = url ? safeHttpUrl(url) : null;
  const [copied, setCopied] = useState(false);

  const copy = async () => {
    if (!url) return;
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
      window.setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  };

  return (
    <div className="deployment">
      <div className="deployment-head">
        <span className={`badge badge-${stage}`} data-testid={`${testIdPrefix}-stage`}>
          {stage}
        </span>
        <span className="deployment-message">{message}</span>
      </div>
      <StageStepper stage={stage} failedAt={error?.stage ?? null} />
      <StageTimeline deployment={{ stages: deployment.stages, lastAt: deployment.lastAt, finished: isFinished(deployment) }} />
      {accessToken !== undefined && !isFinished(deployment) && <CancelButton deploymentId={deployment.deploymentId} accessToken={accessToken} />}
      <div className="progress-row">
        <label className="visually-hidden" htmlFor={`${testIdPrefix}-progress`}>
          Deployment progress
        </label>
        <progress id={`${testIdPrefix}-progress`} data-testid={`${testIdPrefix}-progress`} max={100} value={progress} className={`progress progress-${stage}`}>
          {progress}%
        </progress>
        <span className="progress-value" aria-hidden="true">
          {progress}%
        </span>
      </div>
      {url && (
        <div className="deployment-live" role="status">
          <span>Live at</span>
          <code className="deployment-url" data-testid={`${testIdPrefix}-url`}>
            {url}
          </code>
          <button type="button" className="button button-secondary" onClick={() => void copy()}>
            {copied ? 'Copied' : 'Copy URL'}
          </button>
          {href && (
            <a className="button" href={href} target="_blank" rel="noopener noreferrer">
              Visit
            </a>
          )}
        </div>
      )}
      {error && (
        <div className="deployment-error" role="alert" data-testid={`${testIdPrefix}-error`}>
          <p className="error-title">
            {error.code === 'CANCELLED' ? 'Cancelled' : 'Failed'} while {error.stage} <span className="error-code">{error.code}</span>
          </p>
          <p className="error-message">{error.message}</p>
          {error.hint && <p className="error-hint">{error.hint}</p>}
        </div>
      )}
      <LogView
        lines={lines}
        label={`Log of deployment ${deployment.deploymentId}`}
        testId={`${testIdPrefix}-logs`}
        resetKey={deployment.deploymentId}
        finished={isFinished(deployment)}
      />
    </div>
  );
}
