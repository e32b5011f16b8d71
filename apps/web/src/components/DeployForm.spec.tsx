// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeployForm } from './DeployForm';

afterEach(cleanup);

describe(DeployForm.name, () => {
  it('sends a deploy message with the source, branch and GitHub token in its context', () => {
    const onDeploy = vi.fn();
    render(<DeployForm connected busy={false} githubToken="ghp_secret" onGithubToken={() => undefined} onDeploy={onDeploy} />);
    fireEvent.change(screen.getByTestId('repo-input'), { target: { value: ' https://github.com/x/y ' } });
    fireEvent.change(screen.getByLabelText(/branch/i), { target: { value: 'main' } });
    fireEvent.click(screen.getByTestId('deploy-button'));
    expect(onDeploy).toHaveBeenCalledWith('deploy https://github.com/x/y --branch main', {
      action: 'deploy',
      repoUrl: 'https://github.com/x/y',
      branch: 'main',
      githubToken: 'ghp_secret',
    });
  });

  it('cannot deploy while the server is not connected', () => {
    render(<DeployForm connected={false} busy={false} githubToken="" onGithubToken={() => undefined} onDeploy={() => undefined} />);
    fireEvent.change(screen.getByTestId('repo-input'), { target: { value: '/srv/app' } });
    expect((screen.getByTestId('deploy-button') as HTMLButtonElement).disabled).toBe(true);
  });

  it('takes a GitHub token once and never shows it again', () => {
    const onGithubToken = vi.fn();
    const { rerender, container } = render(<DeployForm connected busy={false} githubToken="" onGithubToken={onGithubToken} onDeploy={() => undefined} />);
    fireEvent.click(screen.getByRole('button', { name: 'Connect GitHub' }));
    const field = screen.getByLabelText('GitHub token') as HTMLInputElement;
    expect(field.type).toBe('password');
    fireEvent.change(field, { target: { value: 'ghp_secret' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(onGithubToken).toHaveBeenCalledWith('ghp_secret');
    rerender(<DeployForm connected busy={false} githubToken="ghp_secret" onGithubToken={onGithubToken} onDeploy={() => undefined} />);
    expect(container.innerHTML).not.toContain('ghp_secret');
    expect(screen.getByText(/GitHub token saved/)).toBeTruthy();
  });
});
