import { useCallback, useEffect, useState } from 'react';
import type { DeploymentSummary } from '#contracts';
import { getDeployment, listDeployments } from '../lib/api-client';
import { fromStored, type DeploymentState } from '../lib/deployment-state';
import { formatDuration, formatTime } from '../lib/format';
import { DeploymentView } from './DeploymentView';
import { HistoryChart } from './HistoryChart';

export interface HistoryProps {
  accessToken: string;
  /** Changes whenever the list should be fetched again (a deployment finished). */
  refreshKey: string;
}

type Load<T> = { state: 'loading' } | { state: 'ready'; value: T } | { state: 'failed'; message: string };

/** Past deployments from `GET /api/deployments`; one opens with its whole stored log. */
export function History({ accessToken, refreshKey }: HistoryProps) {
  const [list, setList] = useState<Load<DeploymentSummary[]>>({ state: 'loading' });
  const [selected, setSelected] = useState<string | null>(null);
  const [detail, setDetail] = useState<Load<DeploymentState> | null>(null);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    listDeployments(accessToken, abort.signal).then(
      (deployments) => setList({ state: 'ready', value: deployments }),
      (error: unknown) => {
        if (!abort.signal.aborted) setList({ state: 'failed', message: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => abort.abort();
  }, [accessToken, refreshKey, reloads]);

  useEffect(() => {
    if (!selected) return;
    const abort = new AbortController();
    setDetail({ state: 'loading' });
    getDeployment(selected, accessToken, abort.signal).then(
      ({ deployment, events }) => setDetail({ state: 'ready', value: fromStored(deployment, events) }),
      (error: unknown) => {
        if (!abort.signal.aborted) setDetail({ state: 'failed', message: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => abort.abort();
  }, [selected, accessToken]);

  const toggle = useCallback((id: string) => setSelected((current) => (current === id ? null : id)), []);

  return (
    <section className="card history" aria-labelledby="history-title">
      <div className="card-title-row">
        <h2 id="history-title">History</h2>
        <button type="button" className="button button-link" onClick={() => setReloads((n) => n + 1)}>
          Refresh
        </button>
      </div>
      {list.state === 'loading' && <p className="muted">Loading deployments…</p>}
      {list.state === 'failed' && (
        <p className="inline-error" role="alert">
          Could not load deployments: {list.message}
        </p>
      )}
      {list.state === 'ready' && list.value.length === 0 && <p className="muted">No deployments yet.</p>}
      {list.state === 'ready' && <HistoryChart deployments={list.value} />}
      {list.state === 'ready' && list.value.length > 0 && (
        <ul className="history-list" data-testid="history-list">
          {list.value.map((deployment) => (
            <li key={deployment.id} className={selected === deployment.id ? 'history-item selected' : 'history-item'}>
              <button
                type="button"
                className="history-button"
                aria-expanded={selected === deployment.id}
                onClick={() => toggle(deployment.id)}
                data-deployment-id={deployment.id}
              >
                <span className={`badge badge-${deployment.status}`}>{deployment.status}</span>
                <span className="history-repo" title={deployment.repoUrl}>
                  {deployment.repoUrl}
                  {deployment.branch ? ` @ ${deployment.branch}` : ''}
                </span>
                <span className="history-meta">
                  {deployment.commitSha && <code title={deployment.commitSha}>{deployment.commitSha.slice(0, 7)}</code>}
                  <span>{formatDuration(deployment.createdAt, deployment.finishedAt) ?? 'running'}</span>
                  <time dateTime={deployment.createdAt}>{formatTime(deployment.createdAt)}</time>
                </span>
                {deployment.url && <span className="history-url">{deployment.url}</span>}
              </button>
              {selected === deployment.id && detail && (
                <div className="history-detail" data-testid="history-detail">
                  {detail.state === 'loading' && <p className="muted">Loading log…</p>}
                  {detail.state === 'failed' && (
                    <p className="inline-error" role="alert">
                      Could not load this deployment: {detail.message}
                    </p>
                  )}
                  {detail.state === 'ready' && <DeploymentView deployment={detail.value} testIdPrefix="history" />}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
