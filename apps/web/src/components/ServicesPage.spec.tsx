// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRoute, useRoute } from '../lib/route';
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

const settings = {
  version: 2,
  env: { GREETING: 'hi' },
  buildEnv: { PUBLIC_COLOR: 'teal' },
  secrets: [{ name: 'API_KEY', masked: '••••1234' }],
  buildSecrets: [{ name: 'NPM_TOKEN', masked: '••••cdef' }],
  startCommand: null,
  port: null,
  healthCheckPath: '/',
  cloudRun: {},
};
const REBUILD = '3f0c2a9e-5b1d-4c7a-9e2f-0a1b2c3d4e5f';
const SAME_BUILD = '7a1e4b2c-9d3f-4e5a-8b6c-1d2e3f4a5b6c';
/** A settings change's answer as the gateway gives it: a rebuild when build-time names changed, else a new revision of the same build. */
const changeAnswer = (changed: string[], buildChanged: string[] = []) => ({
  name: 'web',
  settings: { ...settings, version: 3 },
  deploymentId: buildChanged.length ? REBUILD : SAME_BUILD,
  changed,
  buildChanged,
  rolloutKind: buildChanged.length ? 'rebuild' : 'same-build',
});

const answers: Record<string, unknown> = {
  'GET /api/services': { services: [service] },
  'GET /api/services/web/revisions': {
    name: 'web',
    revisions: [
      { revision: 'rev-2', createdAt: '2026-01-02T00:00:00Z', current: true },
      { revision: 'rev-1', createdAt: '2026-01-01T00:00:00Z', current: false },
    ],
  },
  'GET /api/services/web/settings': { name: 'web', settings },
  'GET /api/services/web/logs?tail=200': { name: 'web', lines: ['listening'] },
  'PUT /api/services/web/env': { ...changeAnswer(['GREETING', 'TOKEN']), deploymentId: null, rolloutKind: null },
  'PATCH /api/services/web/settings': changeAnswer(['port']),
  'POST /api/services/web/rollback': { name: 'web', revision: 'rev-1', url: service.url },
  'DELETE /api/services/web': { name: 'web', deleted: true, secrets: [] },
};
const calls: { method: string; path: string; body?: unknown }[] = [];

const initialAnswers = { ...answers };

beforeEach(() => {
  calls.length = 0;
  // A test may answer a request its own way: each starts from the same answers.
  for (const key of Object.keys(answers)) delete answers[key];
  Object.assign(answers, initialAnswers);
  vi.stubGlobal('fetch', async (path: string, init: RequestInit = {}) => {
    const method = init.method ?? 'GET';
    // As the gateway's front door: a change is JSON or says it is the page's own request.
    const headers = new Headers(init.headers);
    if (method !== 'GET' && headers.get('content-type') !== 'application/json' && !headers.has('x-servergem-request')) {
      return new Response(JSON.stringify({ message: 'A request that changes something must be sent as JSON.' }), { status: 415 });
    }
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
    await waitFor(() => expect(screen.getAllByTestId('env-row')).toHaveLength(4));
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
    // Nothing serves yet: stored for the next deployment, nothing followed.
    await waitFor(() => expect(screen.getByTestId('service-said').textContent).toContain('its next deployment uses them'));
    expect(navigate).not.toHaveBeenCalled();
  });

  it('lists build-time variables in clear and build-time secrets masked, each marked build-time', async () => {
    render(<ServicesPage accessToken="" selected="web" navigate={vi.fn()} />);
    await waitFor(() => expect(screen.getAllByTestId('env-row')).toHaveLength(4));
    const rows = screen.getAllByTestId('env-row');
    expect(rows.map((r) => [r.dataset.name, r.dataset.secret ?? null, r.dataset.build ?? null])).toEqual([
      ['GREETING', null, null],
      ['API_KEY', 'true', null],
      ['PUBLIC_COLOR', null, 'true'],
      ['NPM_TOKEN', 'true', 'true'],
    ]);
    expect((screen.getByLabelText('Build-time value of PUBLIC_COLOR') as HTMLInputElement).value).toBe('teal');
    expect(rows[2]!.textContent).toContain('build');
    const buildSecret = rows[3]!;
    expect(buildSecret.textContent).toContain('••••cdef (build-time secret, write-only)');
    expect(buildSecret.querySelector('input')).toBeNull();
    expect(screen.getByTestId('env-save').textContent).toBe('Save and roll out');
  });

  it('adds a build-time variable with a rebuild the button announces, says why it rebuilds and follows the rebuild', async () => {
    answers['PUT /api/services/web/env'] = changeAnswer(['API_URL'], ['API_URL']);
    const navigate = vi.fn();
    render(<ServicesPage accessToken="" selected="web" navigate={navigate} />);
    await waitFor(() => screen.getByTestId('env-new-build'));
    fireEvent.change(screen.getByTestId('env-new-name'), { target: { value: 'API_URL' } });
    fireEvent.change(screen.getByTestId('env-new-value'), { target: { value: 'https://api.example.com' } });
    expect(screen.getByTestId('env-save').textContent).toBe('Save and roll out');
    fireEvent.click(screen.getByTestId('env-new-build'));
    expect(screen.getByTestId('env-save').textContent).toBe('Save and rebuild');
    expect(screen.getByTestId('env-rebuild-note').textContent).toContain('built again');
    fireEvent.click(screen.getByTestId('env-save'));
    await waitFor(() =>
      expect(calls).toContainEqual({ method: 'PUT', path: '/api/services/web/env', body: { buildEnv: { API_URL: 'https://api.example.com' } } }),
    );
    const said = 'Rebuilding web because build-time setting API_URL changed: it is built again from the source it serves (settings version 3).';
    await waitFor(() => expect(navigate).toHaveBeenCalledWith(`/deployments/${REBUILD}`, said));
    expect(screen.getByTestId('service-said').textContent).toBe(said);
  });

  it('adds a build-time secret from a password field, never echoing its value', async () => {
    answers['PUT /api/services/web/env'] = changeAnswer(['SENTRY_TOKEN'], ['SENTRY_TOKEN']);
    const navigate = vi.fn();
    render(<ServicesPage accessToken="" selected="web" navigate={navigate} />);
    await waitFor(() => screen.getByTestId('env-new-build'));
    fireEvent.click(screen.getByTestId('env-new-build'));
    fireEvent.click(screen.getByLabelText(/secret/));
    expect(screen.getByTestId('env-new-value').getAttribute('type')).toBe('password');
    fireEvent.change(screen.getByTestId('env-new-name'), { target: { value: 'SENTRY_TOKEN' } });
    fireEvent.change(screen.getByTestId('env-new-value'), { target: { value: 'sntr-0123456789abcdef' } });
    fireEvent.click(screen.getByTestId('env-save'));
    await waitFor(() =>
      expect(calls).toContainEqual({ method: 'PUT', path: '/api/services/web/env', body: { buildSecrets: { SENTRY_TOKEN: 'sntr-0123456789abcdef' } } }),
    );
    await waitFor(() => expect(navigate).toHaveBeenCalledWith(`/deployments/${REBUILD}`, expect.stringContaining('SENTRY_TOKEN changed')));
    expect(document.body.textContent).not.toContain('sntr-0123456789abcdef');
    expect((screen.getByTestId('env-new-value') as HTMLInputElement).value).toBe('');
  });

  it('an edit of a build-time value rebuilds, a runtime one alone is a new revision of the same build', async () => {
    const navigate = vi.fn();
    render(<ServicesPage accessToken="" selected="web" navigate={navigate} />);
    await waitFor(() => screen.getByLabelText('Value of GREETING'));
    fireEvent.change(screen.getByLabelText('Value of GREETING'), { target: { value: 'hello' } });
    expect(screen.getByTestId('env-save').textContent).toBe('Save and roll out');
    fireEvent.change(screen.getByLabelText('Build-time value of PUBLIC_COLOR'), { target: { value: 'plum' } });
    expect(screen.getByTestId('env-save').textContent).toBe('Save and rebuild');
    fireEvent.change(screen.getByLabelText('Build-time value of PUBLIC_COLOR'), { target: { value: 'teal' } });
    expect(screen.getByTestId('env-save').textContent).toBe('Save and roll out');

    answers['PUT /api/services/web/env'] = changeAnswer(['GREETING']);
    fireEvent.click(screen.getByTestId('env-save'));
    await waitFor(() => expect(calls).toContainEqual({ method: 'PUT', path: '/api/services/web/env', body: { env: { GREETING: 'hello' } } }));
    await waitFor(() =>
      expect(navigate).toHaveBeenCalledWith(
        `/deployments/${SAME_BUILD}`,
        'Rolling out a new revision of the same build of web (settings version 3: GREETING), no rebuild.',
      ),
    );
  });

  it('removes a build-time variable and a build-time secret, each a rebuild', async () => {
    answers['DELETE /api/services/web/env/PUBLIC_COLOR'] = changeAnswer(['PUBLIC_COLOR'], ['PUBLIC_COLOR']);
    answers['DELETE /api/services/web/env/NPM_TOKEN'] = changeAnswer(['NPM_TOKEN'], ['NPM_TOKEN']);
    const navigate = vi.fn();
    render(<ServicesPage accessToken="" selected="web" navigate={navigate} />);
    await waitFor(() => expect(screen.getAllByTestId('env-row')).toHaveLength(4));
    const [, , color, token] = screen.getAllByTestId('env-row');
    fireEvent.click(color!.querySelector('button')!);
    await waitFor(() => expect(calls).toContainEqual({ method: 'DELETE', path: '/api/services/web/env/PUBLIC_COLOR', body: undefined }));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith(`/deployments/${REBUILD}`, expect.stringContaining('build-time setting PUBLIC_COLOR changed')));
    fireEvent.click(token!.querySelector('button')!);
    await waitFor(() => expect(calls).toContainEqual({ method: 'DELETE', path: '/api/services/web/env/NPM_TOKEN', body: undefined }));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith(`/deployments/${REBUILD}`, expect.stringContaining('build-time setting NPM_TOKEN changed')));
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
    await waitFor(() => expect(navigate).toHaveBeenCalledWith(`/deployments/${SAME_BUILD}`, expect.stringContaining('a new revision of the same build')));
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

describe(useRoute.name, () => {
  it('keeps the note a page left for a deployment in its history entry: going back shows it again', async () => {
    const { result } = renderHook(() => useRoute());
    act(() => result.current[1](`/deployments/${REBUILD}`, 'Rebuilding web because build-time setting API_URL changed'));
    expect(result.current[0]).toEqual({ page: 'deployment', id: REBUILD, note: 'Rebuilding web because build-time setting API_URL changed' });
    expect(window.history.state).toEqual({ note: 'Rebuilding web because build-time setting API_URL changed' });
    act(() => result.current[1]('/services/web'));
    expect(result.current[0]).toEqual({ page: 'services', name: 'web' });
    act(() => window.history.back());
    await waitFor(() =>
      expect(result.current[0]).toEqual({ page: 'deployment', id: REBUILD, note: 'Rebuilding web because build-time setting API_URL changed' }),
    );
  });
});
