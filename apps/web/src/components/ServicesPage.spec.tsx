// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRoute } from '../lib/route';
import { ServicesPage } from './ServicesPage';

afterEach(cleanup);

const service = {
  name: 'web',
  target: 'local',
  region: null,
  url: 'http://127.0.0.1:4100',
  state: 'live',
  status: 'running',
  revision: 'rev-2',
  previousRevision: 'rev-1',
  pid: 1,
  restarts: 0,
  startedAt: null,
  settingsVersion: 2,
  repoUrl: '/srv/web',
  branch: null,
  appPath: null,
  lastDeployment: null,
  createdAt: '2026-01-01T00:00:00Z',
};

const answers: Record<string, unknown> = {
  'GET /api/services': { services: [service] },
  'GET /api/services/web/revisions': {
    name: 'web',
    revisions: [
      { revision: 'rev-2', createdAt: '2026-01-02T00:00:00Z', current: true },
      { revision: 'rev-1', createdAt: '2026-01-01T00:00:00Z', current: false },
    ],
  },
  'GET /api/services/web/settings': {
    name: 'web',
    settings: {
      version: 2,
      env: { GREETING: 'hi' },
      buildEnv: {},
      secrets: [{ name: 'API_KEY', masked: '••••1234' }],
      startCommand: null,
      port: null,
      healthCheckPath: '/',
      cloudRun: {},
    },
  },
  'GET /api/services/web/logs?tail=200': { name: 'web', lines: ['listening'] },
  'PUT /api/services/web/env': { name: 'web', deploymentId: null, changed: ['GREETING'] },
  'PATCH /api/services/web/settings': { name: 'web', deploymentId: 'd-9', changed: ['port'] },
  'POST /api/services/web/rollback': { name: 'web', revision: 'rev-1', url: service.url },
  'DELETE /api/services/web': { name: 'web', deleted: true, secrets: [] },
};
const calls: { method: string; path: string; body?: unknown }[] = [];

beforeEach(() => {
  calls.length = 0;
  vi.stubGlobal('fetch', async (path: string, init: RequestInit = {}) => {
    const method = init.method ?? 'GET';
    calls.push({ method, path, body: init.body ? JSON.parse(init.body as string) : undefined });
    const body = answers[`${method} ${path}`];
    return new Response(JSON.stringify(body ?? { message: 'no' }), { status: body ? 200 : 404 });
  });
});

describe(ServicesPage.name, () => {
  it('shows what a running local service uses, nothing for a stopped one, and the limits of a Cloud Run one', async () => {
    const listed = answers['GET /api/services'];
    answers['GET /api/services'] = {
      services: [
        { ...service, memoryBytes: 44_145_049, cpuSeconds: 1.34, processes: 2, uptimeSeconds: 300 },
        { ...service, name: 'idle', state: 'stopped', status: 'stopped', pid: null, memoryBytes: null, cpuSeconds: null, processes: null, uptimeSeconds: null },
        { ...service, name: 'cloud', target: 'cloudrun', url: 'https://cloud-x.a.run.app', limits: { cpu: '1', memory: '512Mi' } },
      ],
    };
    try {
      render(<ServicesPage accessToken="" navigate={vi.fn()} />);
      await waitFor(() => expect(screen.getAllByTestId('service-row')).toHaveLength(3));
      const [web, idle, cloud] = screen.getAllByTestId('service-row');
      expect(web!.querySelector('[data-testid="service-usage"]')?.textContent).toBe('42.1 MB memory · 1.3 s CPU · 2 processes · up 5 min');
      expect(idle!.querySelector('[data-testid="service-usage"]')).toBeNull();
      expect(cloud!.querySelector('[data-testid="service-usage"]')?.textContent).toBe('limits 1 vCPU, 512Mi per instance · usage not measured on Cloud Run');
    } finally {
      answers['GET /api/services'] = listed;
    }
  });

  it('lists services, and per service its revisions, settings with secrets masked, and logs', async () => {
    const navigate = vi.fn();
    render(<ServicesPage accessToken="" selected="web" navigate={navigate} />);
    await waitFor(() => expect(screen.getByTestId('services-list').textContent).toContain('web'));
    expect(screen.getByTestId('services-list').textContent).toContain('live');
    await waitFor(() => expect(screen.getAllByTestId('env-row')).toHaveLength(2));
    const secret = screen.getAllByTestId('env-row')[1];
    expect(secret.textContent).toContain('••••1234');
    expect(secret.querySelector('input')).toBeNull();
    await waitFor(() => expect(screen.getAllByTestId('rollback-button')).toHaveLength(1));

    fireEvent.click(screen.getByTestId('rollback-button'));
    await waitFor(() => expect(calls).toContainEqual({ method: 'POST', path: '/api/services/web/rollback', body: { revision: 'rev-1' } }));

    fireEvent.change(screen.getByLabelText('Value of GREETING'), { target: { value: 'hello' } });
    fireEvent.change(screen.getByTestId('env-new-name'), { target: { value: 'TOKEN' } });
    fireEvent.change(screen.getByTestId('env-new-value'), { target: { value: 's3cret' } });
    fireEvent.click(screen.getByLabelText(/secret/));
    fireEvent.click(screen.getByTestId('env-save'));
    await waitFor(() =>
      expect(calls).toContainEqual({ method: 'PUT', path: '/api/services/web/env', body: { env: { GREETING: 'hello' }, secrets: { TOKEN: 's3cret' } } }),
    );
  });

  it('saves how the service runs through PATCH /settings and follows the rollout it starts', async () => {
    const navigate = vi.fn();
    render(<ServicesPage accessToken="" selected="web" navigate={navigate} />);
    await waitFor(() => screen.getByTestId('runtime-settings'));
    // A local service: no Cloud Run resources, no traffic split.
    expect(screen.queryByTestId('cloud-run-resources')).toBeNull();
    expect(screen.queryByTestId('traffic-editor')).toBeNull();
    fireEvent.change(screen.getByTestId('port'), { target: { value: '8081' } });
    fireEvent.click(screen.getByTestId('runtime-save'));
    await waitFor(() => expect(calls).toContainEqual({ method: 'PATCH', path: '/api/services/web/settings', body: { port: 8081 } }));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith('/deployments/d-9'));
  });

  it('deletes only after its confirmation', async () => {
    const navigate = vi.fn();
    render(<ServicesPage accessToken="" selected="web" navigate={navigate} />);
    await waitFor(() => screen.getByTestId('delete-button'));
    fireEvent.click(screen.getByTestId('delete-button'));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    fireEvent.click(screen.getByTestId('confirm-button'));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith('/services'));
    expect(calls).toContainEqual({ method: 'DELETE', path: '/api/services/web', body: undefined });
  });
});

describe(parseRoute.name, () => {
  it('reads the pages a deep link names', () => {
    expect(parseRoute('/')).toEqual({ page: 'home' });
    expect(parseRoute('/services')).toEqual({ page: 'services' });
    expect(parseRoute('/services/my-app')).toEqual({ page: 'services', name: 'my-app' });
    expect(parseRoute('/deployments/abc')).toEqual({ page: 'deployment', id: 'abc' });
  });
});
