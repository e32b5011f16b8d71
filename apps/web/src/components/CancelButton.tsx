import { useState } from 'react';
import { cancelDeployment } from '../lib/cancel-deployment';

export interface CancelButtonProps {
  deploymentId: string;
  accessToken: string;
}

/**
 * Cancels the running deployment. The deployment's own `deployment_error` (CANCELLED) then ends
 * the view; this only says when the request itself failed, or the deployment had already ended.
 */
export function CancelButton({ deploymentId, accessToken }: CancelButtonProps) {
  const [state, setState] = useState<{ kind: 'idle' } | { kind: 'cancelling' } | { kind: 'said'; text: string }>({ kind: 'idle' });

  const cancel = async () => {
    setState({ kind: 'cancelling' });
    try {
      const result = await cancelDeployment(deploymentId, accessToken);
      setState(result.cancelled ? { kind: 'cancelling' } : { kind: 'said', text: result.message });
    } catch (error) {
      setState({ kind: 'said', text: `Could not cancel: ${(error as Error).message}` });
    }
  };

  return (
    <div className="cancel-row">
      <button
        type="button"
        className="button button-secondary"
        data-testid="cancel-button"
        disabled={state.kind === 'cancelling'}
        onClick={() => void cancel()}
      >
        {state.kind === 'cancelling' ? 'Cancelling…' : 'Cancel deployment'}
      </button>
      {state.kind === 'said' && (
        <span className="cancel-note" role="status">
          {state.text}
        </span>
      )}
    </div>
  );
}
