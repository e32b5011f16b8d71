import type { Connection } from '../hooks/use-servergem';

const TEXT: Record<Connection['state'], string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  unauthorized: 'Not logged in',
  down: 'Server down',
};

/** The backend as the socket sees it. */
export function ConnectionStatus({ connection }: { connection: Connection }) {
  return (
    <div className={`status status-${connection.state}`} role="status" aria-live="polite" data-testid="connection-status" data-state={connection.state}>
      <span className="status-dot" aria-hidden="true" />
      <span className="status-text">{TEXT[connection.state]}</span>
      {connection.reason && connection.state !== 'connected' && <span className="status-reason">{connection.reason}</span>}
    </div>
  );
}
