import { useEffect, useState } from 'react';
import { ApiError, getDeployment } from '../lib/api-client';
import { fromStored, isFinished, type DeploymentState } from '../lib/deployment-state';
import { DeploymentView } from './DeploymentView';

/** `/deployments/:id`: one deployment from the server, read again until it ends, also after a read that failed on the way or on the server (a reload shows it too); `note` says what started it, when the page that did knows. */
export function DeploymentPage({ id, accessToken, note }: { id: string; accessToken: string; note?: string }) {
  const [state, setState] = useState<DeploymentState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    let timer: number | undefined;
    getDeployment(id, accessToken, abort.signal).then(
      ({ deployment, events }) => {
        const next = fromStored(deployment, events);
        setState(next);
        setError(null);
        if (!isFinished(next)) timer = window.setTimeout(() => setTick((t) => t + 1), 1000);
      },
      (e: unknown) => {
        if (abort.signal.aborted) return;
        setError(e instanceof Error ? e.message : String(e));
        // A read that failed on the way or on the server (busy, restarting) is tried again: the deployment goes on meanwhile.
        if (!(e instanceof ApiError) || e.status >= 500) timer = window.setTimeout(() => setTick((t) => t + 1), 3000);
      },
    );
    return () => {
      abort.abort();
      window.clearTimeout(timer);
    };
  }, [id, accessToken, tick]);

  return (
    <main className="layout">
      <div className="column column-wide">
        <section className="card" aria-labelledby="deployment-page-title">
          <h2 id="deployment-page-title">Deployment {id.slice(0, 8)}</h2>
          {note && (
            <p className="deployment-note" role="status" data-testid="deployment-note">
              {note}
            </p>
          )}
          {error && <p className="chat-error">{error}</p>}
          {state && <DeploymentView deployment={state} testIdPrefix="deployment" accessToken={accessToken} />}
        </section>
      </div>
    </main>
  );
}
