import { useCallback, useEffect, useState } from 'react';
import type { OwnedService, ServiceRevision, ServiceSettingsView } from '#contracts';
import { safeHttpUrl } from '../lib/format';
import { servicesApi } from '../lib/services-api';
import { settingsOutcome } from '../lib/settings-outcome';
import { CancelButton } from './CancelButton';
import { LogView } from './LogView';
import { RuntimeSettings, TrafficEditor } from './RuntimeSettings';
import { ServiceUsage } from './ServiceUsage';
import { SettingsEditor } from './SettingsEditor';

export interface ServicesPageProps {
  accessToken: string;
  /** The service opened (`/services/:name`). */
  selected?: string;
  /** Opens a page; `note` says on it what led there (e.g. why a deployment rebuilds). */
  navigate: (path: string, note?: string) => void;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Your services: state and URL, and per service its revisions, logs, settings and operations. */
export function ServicesPage({ accessToken, selected, navigate }: ServicesPageProps) {
  const [services, setServices] = useState<OwnedService[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    let live = true;
    servicesApi.list(accessToken).then(
      (list) => live && (setServices(list), setError(null)),
      (e: unknown) => live && setError(message(e)),
    );
    // A deployment in progress changes the state: read it again every few seconds.
    const timer = window.setTimeout(refresh, 3000);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [accessToken, tick, refresh]);

  const current = services?.find((s) => s.name === selected);
  return (
    <main className="layout">
      <div className="column">
        <section className="card" aria-labelledby="services-title">
          <h2 id="services-title">Services</h2>
          {error && <p className="chat-error">{error}</p>}
          {services && services.length === 0 && <p className="muted">No service yet: deploy a folder or repository first.</p>}
          <ul className="services-list" data-testid="services-list">
            {services?.map((s) => (
              <li key={s.name} data-testid="service-row" data-name={s.name} data-state={s.state} className={s.name === selected ? 'selected' : undefined}>
                <button type="button" className="button-link" onClick={() => navigate(`/services/${encodeURIComponent(s.name)}`)}>
                  {s.name}
                </button>
                <span className={`service-state state-${s.state}`}>{s.state}</span>
                {safeHttpUrl(s.url) && (
                  <a href={safeHttpUrl(s.url)!} target="_blank" rel="noopener noreferrer" className="service-url">
                    {s.url}
                  </a>
                )}
                <ServiceUsage service={s} />
              </li>
            ))}
          </ul>
        </section>
      </div>
      <div className="column column-wide">
        {selected && !current && services && <p className="card">There is no service {selected} of yours.</p>}
        {current && <ServiceDetail key={current.name} service={current} accessToken={accessToken} navigate={navigate} onChanged={refresh} />}
      </div>
    </main>
  );
}

interface DetailProps {
  service: OwnedService;
  accessToken: string;
  navigate: (path: string, note?: string) => void;
  onChanged: () => void;
}

function ServiceDetail({ service, accessToken, navigate, onChanged }: DetailProps) {
  const [revisions, setRevisions] = useState<ServiceRevision[]>([]);
  const [settings, setSettings] = useState<ServiceSettingsView | null>(null);
  const [lines, setLines] = useState<string[]>([]);
  const [said, setSaid] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<'stop' | 'delete' | null>(null);
  const [tick, setTick] = useState(0);
  const { name } = service;
  const running = service.lastDeployment && (service.lastDeployment.status === 'queued' || service.lastDeployment.status === 'running');

  useEffect(() => {
    let live = true;
    const keep =
      <T,>(set: (v: T) => void) =>
      (v: T) =>
        live && set(v);
    servicesApi.revisions(name, accessToken).then(keep(setRevisions), () => undefined);
    servicesApi.settings(name, accessToken).then(keep(setSettings), () => undefined);
    servicesApi.logs(name, accessToken).then(keep(setLines), () => undefined);
    // Live logs: the tail again every two seconds.
    const timer = window.setTimeout(() => setTick((t) => t + 1), 2000);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [name, accessToken, tick, service.revision, service.settingsVersion]);

  /** Runs an operation and follows the deployment it starts; `outcome` says what it did from its answer. */
  const run = async <T extends object>(what: string, op: () => Promise<T>, outcome?: (result: T) => string) => {
    setSaid(`${what}…`);
    try {
      const result = await op();
      const note = outcome?.(result);
      setSaid(note ?? `${what}: done.`);
      onChanged();
      const deploymentId = 'deploymentId' in result ? result.deploymentId : null;
      if (typeof deploymentId === 'string') navigate(`/deployments/${deploymentId}`, note);
    } catch (e) {
      setSaid(`${what} failed: ${message(e)}`);
    }
  };

  return (
    <>
      <section className="card" aria-labelledby="service-title" data-testid="service-detail" data-name={name}>
        <div className="card-title-row">
          <h2 id="service-title">{name}</h2>
          <span className={`service-state state-${service.state}`}>{service.state}</span>
        </div>
        <p className="muted">
          {service.target} · revision {service.revision?.slice(0, 12) ?? '—'} · settings v{service.settingsVersion}
        </p>
        <div className="chat-actions">
          <button
            type="button"
            className="button button-small"
            data-testid="redeploy-button"
            onClick={() => run('Redeploy', () => servicesApi.redeploy(name, accessToken))}
          >
            Redeploy
          </button>
          {running && service.lastDeployment && <CancelButton deploymentId={service.lastDeployment.id} accessToken={accessToken} />}
          {service.lastDeployment && (
            <button type="button" className="button button-small button-secondary" onClick={() => navigate(`/deployments/${service.lastDeployment!.id}`)}>
              Last deployment
            </button>
          )}
          {service.state === 'stopped' ? (
            <button type="button" className="button button-small button-secondary" onClick={() => run('Start', () => servicesApi.start(name, accessToken))}>
              Start
            </button>
          ) : (
            <button type="button" className="button button-small button-secondary" data-testid="stop-button" onClick={() => setConfirming('stop')}>
              Stop
            </button>
          )}
          <button type="button" className="button button-small button-danger" data-testid="delete-button" onClick={() => setConfirming('delete')}>
            Delete
          </button>
        </div>
        {confirming && (
          <div className="confirm-box" role="alertdialog" aria-label={`Confirm ${confirming}`} data-testid="confirm-box">
            <p>
              {confirming === 'delete'
                ? `Delete ${name}: its app, revisions, settings and secrets go. This cannot be undone.`
                : `Stop ${name}: it keeps its URL, revisions and settings, and stays stopped until you start it.`}
            </p>
            <button
              type="button"
              className="button button-small button-danger"
              data-testid="confirm-button"
              onClick={() => {
                const op = confirming;
                setConfirming(null);
                void run(op === 'delete' ? 'Delete' : 'Stop', () =>
                  op === 'delete' ? servicesApi.remove(name, accessToken) : servicesApi.stop(name, accessToken),
                ).then(() => op === 'delete' && navigate('/services'));
              }}
            >
              {confirming === 'delete' ? 'Delete it' : 'Stop it'}
            </button>
            <button type="button" className="button button-small button-secondary" onClick={() => setConfirming(null)}>
              Keep it
            </button>
          </div>
        )}
        {said && (
          <p className="muted" role="status" data-testid="service-said">
            {said}
          </p>
        )}
      </section>
      <section className="card" aria-labelledby="revisions-title">
        <h2 id="revisions-title">Revisions</h2>
        <ol className="revisions" data-testid="revisions-list">
          {revisions.map((r) => (
            <li key={r.revision} data-testid="revision-row" data-current={r.current ? 'true' : undefined}>
              <code>{r.revision.slice(0, 12)}</code> <span className="muted">{new Date(r.createdAt).toLocaleString()}</span>
              {r.settingsVersion != null && <span className="muted"> · settings v{r.settingsVersion}</span>}
              {r.current ? (
                <strong> serving</strong>
              ) : (
                <button
                  type="button"
                  className="button button-small button-secondary"
                  data-testid="rollback-button"
                  onClick={() => run(`Roll back to ${r.revision.slice(0, 12)}`, () => servicesApi.rollback(name, r.revision, accessToken))}
                >
                  Roll back
                </button>
              )}
            </li>
          ))}
        </ol>
      </section>
      {settings && (
        <SettingsEditor
          settings={settings}
          onSave={(change) => run('Save settings', () => servicesApi.setEnv(name, accessToken, change), settingsOutcome)}
          onUnset={(v) => run(`Remove ${v}`, () => servicesApi.unsetEnv(name, v, accessToken), settingsOutcome)}
        />
      )}
      {settings && (
        <section className="card" aria-label={`How ${name} runs`}>
          {/* Keyed by version: a saved change (or someone else's) shows as it is stored now. */}
          <RuntimeSettings
            key={settings.version}
            settings={settings}
            target={service.target}
            onSave={(change) => run('Save settings', () => servicesApi.changeSettings(name, accessToken, change), settingsOutcome)}
          />
          {service.target === 'cloudrun' && revisions.length > 0 && (
            <TrafficEditor
              key={revisions.map((r) => `${r.revision}:${r.percent ?? 0}`).join(',')}
              revisions={revisions}
              onSave={(splits) => run('Split traffic', () => servicesApi.traffic(name, accessToken, splits))}
            />
          )}
        </section>
      )}
      <section className="card" aria-labelledby="logs-title">
        <h2 id="logs-title">Logs</h2>
        <LogView lines={lines} label={`Logs of ${name}`} testId="service-logs" resetKey={name} />
      </section>
    </>
  );
}
