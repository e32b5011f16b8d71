import { useState, type FormEvent } from 'react';
import type { CloudRunResources, ServiceRevision, ServiceSettingsView, SettingsChange, Target, TrafficSplit } from '#contracts';

const CPUS = ['0.08', '0.5', '1', '2', '4', '6', '8'] as const;
type Cpu = (typeof CPUS)[number];

interface RuntimeSettingsProps {
  settings: ServiceSettingsView;
  target: Target;
  onSave: (change: SettingsChange) => void;
}

/** A number field's text as the settings hold it: empty is "not set". */
const numberOrNull = (text: string): number | null => (text.trim() === '' ? null : Number(text));

/**
 * How the service runs: the start command, port and health-check path (both targets) and, on Cloud
 * Run, its resources. Only what was changed is sent; a new revision of the same build rolls it out.
 */
export function RuntimeSettings({ settings, target, onSave }: RuntimeSettingsProps) {
  const [startCommand, setStartCommand] = useState(settings.startCommand ?? '');
  const [port, setPort] = useState(settings.port === null ? '' : String(settings.port));
  const [healthCheckPath, setHealthCheckPath] = useState(settings.healthCheckPath);
  const [cpu, setCpu] = useState<Cpu | ''>(settings.cloudRun.cpu ?? '');
  const [memory, setMemory] = useState(settings.cloudRun.memory ?? '');
  const [minInstances, setMinInstances] = useState(settings.cloudRun.minInstances?.toString() ?? '');
  const [maxInstances, setMaxInstances] = useState(settings.cloudRun.maxInstances?.toString() ?? '');
  const [concurrency, setConcurrency] = useState(settings.cloudRun.concurrency?.toString() ?? '');
  const [problem, setProblem] = useState<string | null>(null);

  const save = (event: FormEvent) => {
    event.preventDefault();
    const change: SettingsChange = {};
    const command = startCommand.trim() || null;
    if (command !== settings.startCommand) change.startCommand = command;
    const portNumber = numberOrNull(port);
    if (portNumber !== null && (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535))
      return setProblem('The port is a whole number from 1 to 65535.');
    if (portNumber !== settings.port) change.port = portNumber;
    const path = healthCheckPath.trim() || '/';
    if (!path.startsWith('/')) return setProblem('The health-check path starts with "/".');
    if (path !== settings.healthCheckPath) change.healthCheckPath = path;
    if (target === 'cloudrun') {
      const resources: CloudRunResources = {};
      const counts = { minInstances, maxInstances, concurrency };
      for (const [field, text] of Object.entries(counts) as [keyof typeof counts, string][]) {
        const value = numberOrNull(text);
        if (value === null) continue;
        if (!Number.isInteger(value) || value < 0) return setProblem(`${field} is a whole number.`);
        if (value !== settings.cloudRun[field]) resources[field] = value;
      }
      if (cpu && cpu !== settings.cloudRun.cpu) resources.cpu = cpu;
      if (memory.trim() && memory.trim() !== settings.cloudRun.memory) resources.memory = memory.trim();
      if (Object.keys(resources).length > 0) change.cloudRun = resources;
    }
    setProblem(null);
    if (Object.keys(change).length === 0) return setProblem('Nothing changed.');
    onSave(change);
  };

  return (
    <form data-testid="runtime-settings" onSubmit={save} className="service-settings">
      <h3>How it runs</h3>
      <label>
        Start command
        <input data-testid="start-command" placeholder="as the analysis found it" value={startCommand} onChange={(e) => setStartCommand(e.target.value)} />
      </label>
      <label>
        Port
        <input data-testid="port" inputMode="numeric" placeholder="PORT" value={port} onChange={(e) => setPort(e.target.value)} />
      </label>
      <label>
        Health-check path
        <input data-testid="health-check-path" value={healthCheckPath} onChange={(e) => setHealthCheckPath(e.target.value)} />
      </label>
      {target === 'cloudrun' && (
        <fieldset data-testid="cloud-run-resources">
          <legend>Cloud Run</legend>
          <label>
            CPU
            <select data-testid="cpu" value={cpu} onChange={(e) => setCpu(e.target.value as Cpu | '')}>
              <option value="">default</option>
              {CPUS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label>
            Memory
            <input data-testid="memory" placeholder="512Mi" value={memory} onChange={(e) => setMemory(e.target.value)} />
          </label>
          <label>
            Min instances
            <input data-testid="min-instances" inputMode="numeric" value={minInstances} onChange={(e) => setMinInstances(e.target.value)} />
          </label>
          <label>
            Max instances
            <input data-testid="max-instances" inputMode="numeric" value={maxInstances} onChange={(e) => setMaxInstances(e.target.value)} />
          </label>
          <label>
            Concurrency
            <input data-testid="concurrency" inputMode="numeric" value={concurrency} onChange={(e) => setConcurrency(e.target.value)} />
          </label>
        </fieldset>
      )}
      {problem && (
        <p className="muted" role="alert" data-testid="runtime-settings-problem">
          {problem}
        </p>
      )}
      <button type="submit" className="button button-small" data-testid="runtime-save">
        Save and roll out
      </button>
    </form>
  );
}

interface TrafficEditorProps {
  revisions: ServiceRevision[];
  onSave: (splits: TrafficSplit[]) => void;
}

/** A Cloud Run service's traffic: a percentage per ready revision, adding up to 100. */
export function TrafficEditor({ revisions, onSave }: TrafficEditorProps) {
  const ready = revisions.filter((r) => r.ready !== false);
  const [percents, setPercents] = useState<Record<string, string>>(() => Object.fromEntries(ready.map((r) => [r.revision, String(r.percent ?? 0)])));
  const [problem, setProblem] = useState<string | null>(null);

  const save = (event: FormEvent) => {
    event.preventDefault();
    const splits = Object.entries(percents)
      .map(([revision, text]) => ({ revision, percent: Number(text || 0) }))
      .filter((s) => s.percent !== 0);
    if (splits.some((s) => !Number.isInteger(s.percent) || s.percent < 0 || s.percent > 100)) return setProblem('Each share is a whole number from 0 to 100.');
    const total = splits.reduce((sum, s) => sum + s.percent, 0);
    if (total !== 100) return setProblem(`The shares add up to ${total}; they must add up to 100.`);
    setProblem(null);
    onSave(splits);
  };

  return (
    <form data-testid="traffic-editor" onSubmit={save} className="service-settings">
      <h3>Traffic</h3>
      <table>
        <tbody>
          {ready.map((r) => (
            <tr key={r.revision} data-testid="traffic-row" data-revision={r.revision}>
              <th scope="row">
                <code>{r.revision}</code>
              </th>
              <td>
                <input
                  aria-label={`Traffic to ${r.revision} (%)`}
                  inputMode="numeric"
                  value={percents[r.revision] ?? '0'}
                  onChange={(e) => setPercents({ ...percents, [r.revision]: e.target.value })}
                />{' '}
                %
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {problem && (
        <p className="muted" role="alert" data-testid="traffic-problem">
          {problem}
        </p>
      )}
      <button type="submit" className="button button-small" data-testid="traffic-save">
        Split traffic
      </button>
    </form>
  );
}
