// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { newDeployment, type DeploymentState } from '../lib/deployment-state';
import { DeploymentView } from './DeploymentView';

afterEach(cleanup);

const id = '6f1c2a8e-3b9d-4c1e-9a2f-0d7b5e4c3a21';

describe(DeploymentView.name, () => {
  it('shows a live deployment with its URL and a link to visit it', () => {
    const deployment: DeploymentState = {
      ...newDeployment(id),
      stage: 'live',
      progress: 100,
      complete: { deploymentId: id, url: 'http://127.0.0.1:4100', service_name: 'hello', region: 'local', image: 'x' },
    };
    render(<DeploymentView deployment={deployment} testIdPrefix="deployment" />);
    expect(screen.getByTestId('deployment-stage').textContent).toBe('live');
    expect(screen.getByTestId('deployment-url').textContent).toBe('http://127.0.0.1:4100');
    expect(screen.getByRole('link', { name: 'Visit' }).getAttribute('href')).toBe('http://127.0.0.1:4100/');
    expect((screen.getByTestId('deployment-progress') as HTMLProgressElement).value).toBe(100);
  });

  it('shows a failure with its message and hint, as text', () => {
    const deployment: DeploymentState = {
      ...newDeployment(id),
      stage: 'failed',
      progress: 100,
      error: { deploymentId: id, stage: 'cloning', code: 'REPO_NOT_FOUND', message: 'No repository at <b>/x</b>.', hint: 'Check the path.' },
    };
    render(<DeploymentView deployment={deployment} testIdPrefix="deployment" />);
    const sut = screen.getByTestId('deployment-error');
    expect(sut.textContent).toContain('No repository at <b>/x</b>.');
    expect(sut.textContent).toContain('Check the path.');
    expect(sut.querySelector('b')).toBeNull();
    expect(screen.queryByTestId('deployment-url')).toBeNull();
  });

  it('makes no link of a URL that is not http(s)', () => {
    const deployment: DeploymentState = {
      ...newDeployment(id),
      stage: 'live',
      complete: { deploymentId: id, url: 'javascript:alert(1)', service_name: 'x', region: '', image: '' },
    };
    render(<DeploymentView deployment={deployment} testIdPrefix="deployment" />);
    expect(screen.queryByRole('link', { name: 'Visit' })).toBeNull();
  });
});
