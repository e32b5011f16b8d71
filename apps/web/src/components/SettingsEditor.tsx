import { useState, type FormEvent } from 'react';
import type { MaskedSecret, ServiceSettingsView } from '#contracts';
import type { EnvChange } from '../lib/services-api';

export interface SettingsEditorProps {
  settings: ServiceSettingsView;
  onSave: (change: EnvChange) => void;
  onUnset: (variable: string) => void;
}

/** The edits that differ from what is stored. */
const changedOf = (edits: Record<string, string>, stored: Record<string, string>) =>
  Object.fromEntries(Object.entries(edits).filter(([k, v]) => stored[k] !== v));

/**
 * A service's variables and secrets, runtime and build-time: variables in clear (editable), secrets
 * as names with a masked tail (a new value can be set, never read). A change of a build-time value
 * rebuilds the service, so the save button says so before it is pressed.
 */
export function SettingsEditor({ settings, onSave, onUnset }: SettingsEditorProps) {
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [buildEdits, setBuildEdits] = useState<Record<string, string>>({});
  const [newName, setNewName] = useState('');
  const [newValue, setNewValue] = useState('');
  const [secret, setSecret] = useState(false);
  const [build, setBuild] = useState(false);

  const name = newName.trim();
  const buildEnvChanged = changedOf(buildEdits, settings.buildEnv);
  const rebuilds = Object.keys(buildEnvChanged).length > 0 || (build && name !== '');

  const save = (event: FormEvent) => {
    event.preventDefault();
    const change: Record<keyof EnvChange, Record<string, string>> = {
      env: changedOf(edits, settings.env),
      secrets: {},
      buildEnv: buildEnvChanged,
      buildSecrets: {},
    };
    if (name) change[build ? (secret ? 'buildSecrets' : 'buildEnv') : secret ? 'secrets' : 'env'][name] = newValue;
    const present: EnvChange = Object.fromEntries(Object.entries(change).filter(([, values]) => Object.keys(values).length > 0));
    if (Object.keys(present).length === 0) return;
    onSave(present);
    setEdits({});
    setBuildEdits({});
    setNewName('');
    setNewValue('');
  };

  const removeButton = (key: string) => (
    <td>
      <button type="button" className="button-link" onClick={() => onUnset(key)}>
        Remove
      </button>
    </td>
  );
  const secretRow = (s: MaskedSecret, buildTime: boolean) => (
    <tr
      key={`${buildTime ? 'build-' : ''}secret:${s.name}`}
      data-testid="env-row"
      data-name={s.name}
      data-secret="true"
      data-build={buildTime ? 'true' : undefined}
    >
      <th scope="row">
        <code>{s.name}</code> {buildTime && <span className="badge badge-build">build</span>}
      </th>
      <td>
        <span className="muted">
          {s.masked} ({buildTime ? 'build-time secret' : 'secret'}, write-only)
        </span>
      </td>
      {removeButton(s.name)}
    </tr>
  );

  return (
    <section className="card" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <form data-testid="service-settings" onSubmit={save} className="service-settings">
        <table>
          <tbody>
            {Object.entries(settings.env).map(([key, value]) => (
              <tr key={`env:${key}`} data-testid="env-row" data-name={key}>
                <th scope="row">
                  <code>{key}</code>
                </th>
                <td>
                  <input aria-label={`Value of ${key}`} value={edits[key] ?? value} onChange={(e) => setEdits({ ...edits, [key]: e.target.value })} />
                </td>
                {removeButton(key)}
              </tr>
            ))}
            {settings.secrets.map((s) => secretRow(s, false))}
            {Object.entries(settings.buildEnv).map(([key, value]) => (
              <tr key={`build:${key}`} data-testid="env-row" data-name={key} data-build="true">
                <th scope="row">
                  <code>{key}</code> <span className="badge badge-build">build</span>
                </th>
                <td>
                  <input
                    aria-label={`Build-time value of ${key}`}
                    value={buildEdits[key] ?? value}
                    onChange={(e) => setBuildEdits({ ...buildEdits, [key]: e.target.value })}
                  />
                </td>
                {removeButton(key)}
              </tr>
            ))}
            {settings.buildSecrets.map((s) => secretRow(s, true))}
          </tbody>
        </table>
        <div className="service-settings-new">
          <input aria-label="New variable name" data-testid="env-new-name" placeholder="NAME" value={newName} onChange={(e) => setNewName(e.target.value)} />
          <input
            aria-label="New variable value"
            data-testid="env-new-value"
            placeholder="value"
            type={secret ? 'password' : 'text'}
            autoComplete="off"
            value={newValue}
            onChange={(e) => setNewValue(e.target.value)}
          />
          <label>
            <input type="checkbox" checked={secret} onChange={(e) => setSecret(e.target.checked)} /> secret
          </label>
          <label title="Used when the app is built (e.g. inlined by a bundler); changing one rebuilds the service">
            <input type="checkbox" data-testid="env-new-build" checked={build} onChange={(e) => setBuild(e.target.checked)} /> build-time
          </label>
          <button type="submit" className="button button-small" data-testid="env-save" data-rebuild={rebuilds ? 'true' : undefined}>
            {rebuilds ? 'Save and rebuild' : 'Save and roll out'}
          </button>
        </div>
        {rebuilds && (
          <p className="muted" data-testid="env-rebuild-note">
            A build-time value changes: the service is built again from the source it serves, then goes live at the same URL.
          </p>
        )}
        {settings.startCommand && (
          <p className="muted">
            Start command: <code>{settings.startCommand}</code>
          </p>
        )}
      </form>
    </section>
  );
}
