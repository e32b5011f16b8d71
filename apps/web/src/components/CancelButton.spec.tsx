// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newDeployment } from '../lib/deployment-state';
import { CancelButton } from './CancelButton';
import { DeploymentView } from './DeploymentView';

const id = '6f1c2a8e-3b9d-4c1e-9a2f-0d7b5e4c3a21';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function answer(status: number, body: unknown) {
  const fetch = vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

describe(CancelButton.name, () => {
  it("posts {} to the deployment's cancel route with the token, and waits for the deployment to end", async () => {
    const fetch = answer(200, {
      deploymentId: id,
      cancelled: true,
      status: 'cancelled',
      stage: 'cancelled',
      cancelledBy: 'local',
      message: 'Cancelled by local while building.',
    });
    render(<CancelButton deploymentId={id} accessToken="t0ken" />);
    fireEvent.click(screen.getByTestId('cancel-button'));
    await waitFor(() => expect(screen.getByTestId('cancel-button').textContent).toBe('Cancelling…'));
    expect(fetch).toHaveBeenCalledWith(`/api/deployments/${id}/cancel`, expect.objectContaining({ method: 'POST', body: '{}' }));
    const headers = (fetch.mock.calls[0] as unknown as [string, { headers: Record<string, string> }])[1].headers;
    expect(headers.Authorization).toBe('Bearer t0ken');
    expect((screen.getByTestId('cancel-button') as HTMLButtonElement).disabled).toBe(true);
  });

  it('says so when the deployment had already ended, or the request failed', async () => {
    answer(200, {
      deploymentId: id,
      cancelled: false,
      status: 'live',
      stage: 'live',
      cancelledBy: null,
      message: `Deployment ${id} already finished (live); there is nothing to cancel.`,
    });
    render(<CancelButton deploymentId={id} accessToken="" />);
    fireEvent.click(screen.getByTestId('cancel-button'));
    expect((await screen.findByRole('status')).textContent).toBe(`Deployment ${id} already finished (live); there is nothing to cancel.`);

    answer(404, { code: 'NOT_FOUND', message: `There is no deployment ${id}.` });
    fireEvent.click(screen.getByTestId('cancel-button'));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe(`Could not cancel: There is no deployment ${id}.`));
  });

  it('shows on a running deployment of the live view only, and a cancelled one reads as cancelled', () => {
    const running = { ...newDeployment(id), stage: 'building' as const };
    const { rerender } = render(<DeploymentView deployment={running} testIdPrefix="deployment" accessToken="t" />);
    expect(screen.getByTestId('cancel-button')).toBeTruthy();
    rerender(<DeploymentView deployment={running} testIdPrefix="history" />);
    expect(screen.queryByTestId('cancel-button')).toBeNull();

    const cancelled = {
      ...running,
      stage: 'cancelled' as const,
      error: { deploymentId: id, stage: 'building' as const, code: 'CANCELLED' as const, message: 'Cancelled by local while building.', hint: '' },
    };
    rerender(<DeploymentView deployment={cancelled} testIdPrefix="deployment" accessToken="t" />);
    expect(screen.queryByTestId('cancel-button')).toBeNull();
    expect(screen.getByTestId('deployment-error').textContent).toContain('Cancelled while building');
  });
});
