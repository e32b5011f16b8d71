// @vitest-environment jsdom
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeploymentPage } from './DeploymentPage';

afterEach(cleanup);

const id = '3f0c2a9e-5b1d-4c7a-9e2f-0a1b2c3d4e5f';
const deployment = {
  id,
  status: 'running',
  stage: 'building',
  progress: 40,
  repoUrl: '/srv/web',
  branch: null,
  appPath: null,
  commitSha: null,
  target: 'local',
  serviceName: 'web',
  url: null,
  error: null,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  finishedAt: null,
};
const event = { deploymentId: id, seq: 1, stage: 'building', progress: 40, message: 'Building', logs: [], createdAt: '2026-01-01T00:00:00Z', outcome: null };

describe(DeploymentPage.name, () => {
  it('shows the note the page that started it left, and reads the deployment again after a read the server failed', async () => {
    const answers = [
      new Response(JSON.stringify({ message: 'The orchestrator did not answer in time.' }), { status: 503 }),
      new Response(JSON.stringify({ deployment, events: [event] }), { status: 200 }),
    ];
    const fetch = vi.fn(async () => answers.shift() ?? new Response(JSON.stringify({ deployment, events: [event] }), { status: 200 }));
    vi.stubGlobal('fetch', fetch);
    render(<DeploymentPage id={id} accessToken="" note="Rebuilding web because build-time setting API_URL changed" />);
    expect(screen.getByTestId('deployment-note').textContent).toBe('Rebuilding web because build-time setting API_URL changed');
    await waitFor(() => expect(screen.getByText('The orchestrator did not answer in time.')).toBeTruthy());
    await waitFor(() => expect(screen.getByTestId('deployment-stage').textContent).toContain('build'), { timeout: 10_000 });
    expect(screen.queryByText('The orchestrator did not answer in time.')).toBeNull();
  });

  it('does not read again a deployment the server says is not there', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ message: 'There is no deployment of yours with that id.' }), { status: 404 }));
    vi.stubGlobal('fetch', fetch);
    const schedule = vi.spyOn(window, 'setTimeout');
    render(<DeploymentPage id={id} accessToken="" />);
    await waitFor(() => expect(screen.getByText('There is no deployment of yours with that id.')).toBeTruthy());
    expect(screen.queryByTestId('deployment-note')).toBeNull();
    // No read again is scheduled: the page stays on what the server said.
    expect(schedule.mock.calls.filter(([, ms]) => ms === 3000)).toEqual([]);
    expect(fetch).toHaveBeenCalledTimes(1);
    schedule.mockRestore();
  });
});
