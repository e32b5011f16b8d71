// @vitest-environment jsdom
/// <reference types="node" />
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientGithubBranches, ClientGithubRepos, ClientToServerEvents, GithubRepo, ServerToClientEvents } from '#contracts';
import { GitHubRepoPicker } from './GitHubRepoPicker';

const TOKEN = 'ghp_picker_secret_token';
const PAGE_SIZE = 2;
const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 3600 * 1000).toISOString();

const repo = (fullName: string, extra: Partial<GithubRepo> = {}): GithubRepo => {
  const [owner = '', name = ''] = fullName.split('/');
  return {
    fullName,
    name,
    owner,
    private: false,
    language: 'TypeScript',
    pushedAt: daysAgo(3),
    defaultBranch: 'main',
    htmlUrl: `https://github.com/${fullName}`,
    description: null,
    ...extra,
  };
};

const REPOS = [
  repo('octo/web', { defaultBranch: 'trunk', description: '<img src=x onerror="window.__pwned=1">' }),
  repo('octo/api', { private: true, language: 'Go', pushedAt: daysAgo(10) }),
  repo('octo/docs', { language: null, pushedAt: null }),
];

describe(GitHubRepoPicker.name, () => {
  let http: HttpServer;
  let server: Server;
  let client: Socket<ServerToClientEvents, ClientToServerEvents>;
  const repoRequests: ClientGithubRepos[] = [];
  const branchRequests: ClientGithubBranches[] = [];
  let refuse: boolean;

  beforeEach(async () => {
    repoRequests.length = branchRequests.length = 0;
    refuse = false;
    http = createServer();
    server = new Server(http);
    server.on('connection', (socket) => {
      socket.on('github_repos', (payload: ClientGithubRepos) => {
        repoRequests.push(payload);
        if (refuse) {
          socket.emit('request_error', {
            type: 'request_error',
            data: {
              event: 'github_repos',
              code: 'FORBIDDEN',
              message: 'GitHub refused the token: it is invalid, expired or revoked.',
              hint: 'Create a new token and paste it again.',
            },
          });
          return;
        }
        const page = payload.page ?? 1;
        const matching = REPOS.filter((r) => r.fullName.includes(payload.query ?? ''));
        socket.emit('github_repos', { type: 'github_repos', data: { repos: matching.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE) } });
      });
      socket.on('github_branches', (payload: ClientGithubBranches) => {
        branchRequests.push(payload);
        const found = REPOS.find((r) => r.fullName === payload.repo);
        const branches = [found?.defaultBranch ?? 'main', 'dev'].map((name) => ({ name, sha: 'a'.repeat(40) }));
        socket.emit('github_branches', { type: 'github_branches', data: { repo: payload.repo, defaultBranch: found?.defaultBranch ?? 'main', branches } });
      });
    });
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'], forceNew: true });
    await new Promise<void>((done) => client.once('connect', () => done()));
  });

  afterEach(async () => {
    cleanup();
    client.close();
    await server.close();
  });

  const options = () => screen.findAllByTestId('repo-option');

  it('lists the repositories the token can see, with their details as text, and never shows the token', async () => {
    const { container } = render(<GitHubRepoPicker connected socket={client} githubToken={TOKEN} onSelect={() => undefined} />);
    const rows = await options();

    expect(rows.map((row) => row.getAttribute('data-full-name'))).toEqual(['octo/web', 'octo/api']);
    expect(repoRequests).toEqual([{ githubToken: TOKEN, page: 1 }]);
    expect(within(rows[1]).getByText('Private')).toBeTruthy();
    expect(within(rows[1]).getByText('Go')).toBeTruthy();
    expect(within(rows[1]).getByText('pushed 1 week ago')).toBeTruthy();
    expect(within(rows[0]).getByText('pushed 3 days ago')).toBeTruthy();
    expect(within(rows[0]).getByText(REPOS[0].description!)).toBeTruthy();
    expect(container.querySelector('img')).toBeNull();
    expect(container.innerHTML).not.toContain(TOKEN);
  });

  it('searches after a pause in typing, filters by language and loads more until a page is empty', async () => {
    render(<GitHubRepoPicker connected socket={client} githubToken={TOKEN} onSelect={() => undefined} />);
    await options();

    fireEvent.click(screen.getByTestId('repo-load-more'));
    await waitFor(async () => expect(await options()).toHaveLength(3));
    fireEvent.click(screen.getByTestId('repo-load-more'));
    await screen.findByText('All repositories loaded.');
    expect(repoRequests.map((r) => r.page)).toEqual([1, 2, 3]);

    fireEvent.change(screen.getByTestId('repo-language'), { target: { value: 'Go' } });
    expect((await options()).map((row) => row.getAttribute('data-full-name'))).toEqual(['octo/api']);
    fireEvent.change(screen.getByTestId('repo-language'), { target: { value: '' } });

    const search = screen.getByTestId('repo-search');
    fireEvent.change(search, { target: { value: 'w' } });
    fireEvent.change(search, { target: { value: 'we' } });
    fireEvent.change(search, { target: { value: 'web' } });
    await waitFor(async () => expect((await options()).map((row) => row.getAttribute('data-full-name'))).toEqual(['octo/web']));
    // The keystrokes in between were never sent.
    expect(repoRequests.slice(3)).toEqual([{ githubToken: TOKEN, page: 1, query: 'web' }]);

    fireEvent.change(search, { target: { value: 'nothing-like-it' } });
    await screen.findByText('No repositories match “nothing-like-it”.');
  });

  it('fills the form with the chosen repository and its default branch, then with the branch picked', async () => {
    const onSelect = vi.fn();
    render(<GitHubRepoPicker connected socket={client} githubToken={TOKEN} onSelect={onSelect} />);
    await options();

    // From the keyboard: down into the list, down once more, Enter.
    fireEvent.keyDown(screen.getByTestId('repo-search'), { key: 'ArrowDown' });
    const list = screen.getByRole('listbox', { name: 'Repositories' });
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    fireEvent.keyDown(list, { key: 'Enter' });
    expect(onSelect).toHaveBeenLastCalledWith('https://github.com/octo/api', 'main');
    expect(within(list).getAllByRole('option')[1].getAttribute('aria-selected')).toBe('true');

    fireEvent.click((await options())[0]);
    expect(onSelect).toHaveBeenLastCalledWith('https://github.com/octo/web', 'trunk');
    const select = (await screen.findByTestId('branch-select')) as HTMLSelectElement;
    await waitFor(() => expect(select.disabled).toBe(false));
    expect(select.value).toBe('trunk');
    expect([...select.options].map((o) => o.value)).toEqual(['trunk', 'dev']);
    expect(branchRequests.at(-1)).toEqual({ repo: 'octo/web', githubToken: TOKEN });

    fireEvent.change(select, { target: { value: 'dev' } });
    expect(onSelect).toHaveBeenLastCalledWith('https://github.com/octo/web', 'dev');
  });

  it('shows the server’s message and hint for a refused token and suggests connecting again', async () => {
    refuse = true;
    render(<GitHubRepoPicker connected socket={client} githubToken={TOKEN} onSelect={() => undefined} />);
    const error = await screen.findByTestId('repo-error');

    expect(error.textContent).toContain('GitHub refused the token: it is invalid, expired or revoked.');
    expect(error.textContent).toContain('Create a new token and paste it again.');
    expect(error.textContent).toMatch(/Connect GitHub with a valid token/);
    expect(screen.queryAllByTestId('repo-option')).toHaveLength(0);

    refuse = false;
    fireEvent.click(within(error).getByRole('button', { name: 'Try again' }));
    expect(await options()).toHaveLength(2);
    expect(screen.queryByTestId('repo-error')).toBeNull();
  });

  it('asks for a GitHub connection and sends nothing while there is no token', async () => {
    render(<GitHubRepoPicker connected={false} socket={client} githubToken="" onSelect={() => undefined} />);
    expect(screen.getByTestId('repo-picker').textContent).toMatch(/Connect GitHub/);
    await new Promise((done) => setTimeout(done, 400));
    expect(repoRequests).toEqual([]);
  });
});
