// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ServiceSettingsView } from '#contracts';
import { RuntimeSettings, TrafficEditor } from './RuntimeSettings';

afterEach(cleanup);

const settings: ServiceSettingsView = {
  version: 3,
  env: {},
  buildEnv: {},
  secrets: [],
  buildSecrets: [],
  startCommand: null,
  port: null,
  healthCheckPath: '/',
  cloudRun: { memory: '512Mi', maxInstances: 3 },
};
const type = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });

describe(RuntimeSettings.name, () => {
  it('sends only what changed: start command, port and health-check path on the local target, no Cloud Run fields', () => {
    const onSave = vi.fn();
    render(<RuntimeSettings settings={settings} target="local" onSave={onSave} />);
    expect(screen.queryByTestId('cloud-run-resources')).toBeNull();
    type('start-command', 'node dist/main.js');
    type('port', '8081');
    type('health-check-path', '/healthz');
    fireEvent.click(screen.getByTestId('runtime-save'));
    expect(onSave).toHaveBeenCalledWith({ startCommand: 'node dist/main.js', port: 8081, healthCheckPath: '/healthz' });
  });

  it('on Cloud Run also sends the resources that changed, and clears an override with an empty field', () => {
    const onSave = vi.fn();
    render(<RuntimeSettings settings={{ ...settings, startCommand: 'npm start', port: 9000 }} target="cloudrun" onSave={onSave} />);
    type('start-command', '');
    type('port', '');
    fireEvent.change(screen.getByTestId('cpu'), { target: { value: '2' } });
    type('memory', '1Gi');
    type('min-instances', '1');
    type('max-instances', '3');
    type('concurrency', '40');
    fireEvent.click(screen.getByTestId('runtime-save'));
    expect(onSave).toHaveBeenCalledWith({ startCommand: null, port: null, cloudRun: { cpu: '2', memory: '1Gi', minInstances: 1, concurrency: 40 } });
  });

  it('says what is wrong and sends nothing: a port out of range, a path without "/", no change at all', () => {
    const onSave = vi.fn();
    render(<RuntimeSettings settings={settings} target="local" onSave={onSave} />);
    fireEvent.click(screen.getByTestId('runtime-save'));
    expect(screen.getByTestId('runtime-settings-problem').textContent).toBe('Nothing changed.');
    type('port', '70000');
    fireEvent.click(screen.getByTestId('runtime-save'));
    expect(screen.getByTestId('runtime-settings-problem').textContent).toContain('1 to 65535');
    type('port', '');
    type('health-check-path', 'healthz');
    fireEvent.click(screen.getByTestId('runtime-save'));
    expect(screen.getByTestId('runtime-settings-problem').textContent).toContain('starts with "/"');
    expect(onSave).not.toHaveBeenCalled();
  });
});

describe(TrafficEditor.name, () => {
  const revisions = [
    { revision: 'web-bbbb', createdAt: '2026-01-02T00:00:00Z', current: true, ready: true, percent: 100 },
    { revision: 'web-aaaa', createdAt: '2026-01-01T00:00:00Z', current: false, ready: true, percent: 0 },
    { revision: 'web-broken', createdAt: '2026-01-03T00:00:00Z', current: false, ready: false },
  ];

  it('splits the traffic between ready revisions once the shares add up to 100', () => {
    const onSave = vi.fn();
    render(<TrafficEditor revisions={revisions} onSave={onSave} />);
    expect(screen.getAllByTestId('traffic-row').map((r) => r.dataset.revision)).toEqual(['web-bbbb', 'web-aaaa']);
    fireEvent.change(screen.getByLabelText('Traffic to web-bbbb (%)'), { target: { value: '90' } });
    fireEvent.click(screen.getByTestId('traffic-save'));
    expect(screen.getByTestId('traffic-problem').textContent).toBe('The shares add up to 90; they must add up to 100.');
    expect(onSave).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText('Traffic to web-aaaa (%)'), { target: { value: '10' } });
    fireEvent.click(screen.getByTestId('traffic-save'));
    expect(onSave).toHaveBeenCalledWith([
      { revision: 'web-bbbb', percent: 90 },
      { revision: 'web-aaaa', percent: 10 },
    ]);
  });
});
