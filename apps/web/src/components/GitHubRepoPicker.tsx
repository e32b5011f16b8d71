import { useEffect, useId, useMemo, useState, type KeyboardEvent } from 'react';
import { githubRepoNameSchema, type GithubRepo } from '#contracts';
import { useDebounced, useGithubBranches, useGithubClient, useGithubRepos } from '../hooks/use-github';
import type { AppSocket } from '../hooks/use-servergem';
import { formatRelative, formatTime } from '../lib/format';
import type { GithubProblem } from '../lib/github-requests';

export interface GitHubRepoPickerProps {
  /** True once a GitHub token is saved in this browser. */
  connected: boolean;
  /** Fills the deploy form with the chosen repository and branch. */
  onSelect: (repoUrl: string, branch: string | undefined) => void;
  /** The page's socket to the server; the requests go over it. */
  socket?: AppSocket | null;
  /** The saved GitHub token; it leaves the page only inside the socket requests. */
  githubToken?: string;
}

const SEARCH_DELAY_MS = 300;
const ALL_LANGUAGES = '';

/** Choose one of your GitHub repositories and a branch of it, instead of typing the URL. */
export function GitHubRepoPicker({ connected, onSelect, socket = null, githubToken = '' }: GitHubRepoPickerProps) {
  if (!connected || !githubToken) {
    return (
      <p className="muted repo-picker-hint" data-testid="repo-picker">
        Connect GitHub to choose from your repositories.
      </p>
    );
  }
  // A new token starts from scratch: nothing from the old one is kept.
  return <RepoBrowser key={githubToken} socket={socket} githubToken={githubToken} onSelect={onSelect} />;
}

interface RepoBrowserProps {
  socket: AppSocket | null;
  githubToken: string;
  onSelect: GitHubRepoPickerProps['onSelect'];
}

function RepoBrowser({ socket, githubToken, onSelect }: RepoBrowserProps) {
  const id = useId();
  const { client, online } = useGithubClient(socket);
  const [search, setSearch] = useState('');
  const query = useDebounced(search.trim(), SEARCH_DELAY_MS);
  const { list, loadMore, retry } = useGithubRepos(client, online, githubToken, query);
  const [language, setLanguage] = useState(ALL_LANGUAGES);
  const [active, setActive] = useState(0);
  const [chosen, setChosen] = useState<GithubRepo | null>(null);
  const [branch, setBranch] = useState('');
  const { branches, retry: retryBranches } = useGithubBranches(client, online, githubToken, chosen?.fullName ?? null);

  const languages = useMemo(() => [...new Set(list.repos.flatMap((r) => (r.language ? [r.language] : [])))].sort((a, b) => a.localeCompare(b)), [list.repos]);
  const shown = useMemo(() => (language ? list.repos.filter((r) => r.language === language) : list.repos), [list.repos, language]);
  const activeIndex = Math.min(active, Math.max(shown.length - 1, 0));
  const optionId = (index: number) => `${id}-repo-${index}`;

  useEffect(() => setActive(0), [query, language]);
  useEffect(() => {
    if (shown.length > 0) document.getElementById(optionId(activeIndex))?.scrollIntoView?.({ block: 'nearest' });
    // optionId only depends on `id`, which never changes.
  }, [activeIndex, shown.length]);

  // The server's answer names the default branch; it wins over the one in the list.
  useEffect(() => {
    if (branches.status === 'ready' && chosen && branches.repo === chosen.fullName && branches.defaultBranch !== branch && branch === chosen.defaultBranch) {
      setBranch(branches.defaultBranch);
      onSelect(`https://github.com/${chosen.fullName}`, branches.defaultBranch);
    }
    // Only a fresh answer should move the branch, not the user's own choice.
  }, [branches]);

  const choose = (repo: GithubRepo) => {
    setChosen(repo);
    setBranch(repo.defaultBranch);
    onSelect(`https://github.com/${repo.fullName}`, repo.defaultBranch);
  };
  const chooseBranch = (name: string) => {
    if (!chosen) return;
    setBranch(name);
    onSelect(`https://github.com/${chosen.fullName}`, name);
  };

  const onListKey = (event: KeyboardEvent<HTMLUListElement>) => {
    const last = shown.length - 1;
    const moves: Record<string, number> = {
      ArrowDown: activeIndex + 1,
      ArrowUp: activeIndex - 1,
      Home: 0,
      End: last,
      PageDown: activeIndex + 5,
      PageUp: activeIndex - 5,
    };
    if (event.key in moves) {
      event.preventDefault();
      setActive(Math.max(0, Math.min(last, moves[event.key] ?? 0)));
    } else if ((event.key === 'Enter' || event.key === ' ') && shown[activeIndex]) {
      event.preventDefault();
      choose(shown[activeIndex]);
    }
  };

  const validName = chosen ? githubRepoNameSchema.safeParse(chosen.fullName).success : true;
  const branchNames = branches.status === 'ready' && branches.repo === chosen?.fullName ? branches.branches.map((b) => b.name) : [];
  if (branch && !branchNames.includes(branch)) branchNames.unshift(branch);

  return (
    <section className="repo-picker" data-testid="repo-picker" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} className="repo-picker-title">
        Your GitHub repositories
      </h3>
      <div className="repo-picker-filters">
        <div className="field field-grow">
          <label htmlFor={`${id}-search`}>Search</label>
          <input
            id={`${id}-search`}
            data-testid="repo-search"
            type="search"
            autoComplete="off"
            spellCheck={false}
            placeholder="Filter by name"
            maxLength={100}
            value={search}
            aria-controls={`${id}-list`}
            onChange={(e) => setSearch(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowDown' && shown.length > 0) {
                e.preventDefault();
                document.getElementById(`${id}-list`)?.focus();
              }
            }}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-language`}>Language</label>
          <select id={`${id}-language`} data-testid="repo-language" value={language} onChange={(e) => setLanguage(e.target.value)}>
            <option value={ALL_LANGUAGES}>All languages</option>
            {languages.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
      </div>

      <p className="muted repo-picker-status" role="status" data-testid="repo-status">
        {statusText(online, list.status, list.repos.length, shown.length, query, language)}
      </p>
      {list.error && <Problem title="Could not list your repositories" problem={list.error} onRetry={retry} testId="repo-error" />}

      {shown.length > 0 && (
        <ul
          id={`${id}-list`}
          className="repo-list"
          role="listbox"
          aria-label="Repositories"
          tabIndex={0}
          aria-activedescendant={optionId(activeIndex)}
          aria-busy={list.status === 'loading'}
          onKeyDown={onListKey}
        >
          {shown.map((repo, index) => (
            <li
              key={repo.fullName}
              id={optionId(index)}
              role="option"
              aria-selected={chosen?.fullName === repo.fullName}
              className={`repo-option${index === activeIndex ? ' active' : ''}`}
              data-testid="repo-option"
              data-full-name={repo.fullName}
              onClick={() => {
                setActive(index);
                choose(repo);
              }}
            >
              <span className="repo-name">{repo.fullName}</span>
              {repo.private && <span className="badge badge-private">Private</span>}
              <span className="repo-meta">
                {repo.language && <span>{repo.language}</span>}
                {repo.pushedAt && <span title={formatTime(repo.pushedAt)}>pushed {formatRelative(repo.pushedAt)}</span>}
              </span>
              {repo.description && <span className="repo-description">{repo.description}</span>}
            </li>
          ))}
        </ul>
      )}

      {list.status === 'ready' && list.repos.length > 0 && (
        <div className="repo-more">
          {list.end ? (
            <span className="muted">All repositories loaded.</span>
          ) : (
            <button type="button" className="button button-secondary" data-testid="repo-load-more" onClick={loadMore} disabled={list.loadingMore || !online}>
              {list.loadingMore ? 'Loading…' : 'Load more'}
            </button>
          )}
        </div>
      )}

      {chosen && (
        <div className="repo-chosen" data-testid="repo-chosen">
          {validName ? (
            <>
              <div className="field">
                <label htmlFor={`${id}-branch`}>Branch of {chosen.fullName}</label>
                <select
                  id={`${id}-branch`}
                  data-testid="branch-select"
                  value={branch}
                  disabled={branches.status !== 'ready'}
                  aria-busy={branches.status === 'loading'}
                  onChange={(e) => chooseBranch(e.target.value)}
                >
                  {branchNames.map((name) => (
                    <option key={name} value={name}>
                      {name}
                      {name === (branches.defaultBranch || chosen.defaultBranch) ? ' (default)' : ''}
                    </option>
                  ))}
                </select>
              </div>
              {branches.status === 'loading' && <span className="muted">Loading branches…</span>}
              {branches.status === 'error' && branches.error && (
                <Problem title="Could not load the branches" problem={branches.error} onRetry={retryBranches} testId="branch-error" />
              )}
            </>
          ) : (
            <p className="inline-error" role="alert">
              “{chosen.fullName}” is not a repository name ServerGem can deploy.
            </p>
          )}
        </div>
      )}
    </section>
  );
}

function statusText(online: boolean, status: string, loaded: number, shown: number, query: string, language: string): string {
  if (!online) return 'Waiting for the connection to the server…';
  if (status === 'loading' || status === 'idle') return query ? `Searching for “${query}”…` : 'Loading your repositories…';
  if (status === 'error') return '';
  if (loaded === 0) return query ? `No repositories match “${query}”.` : 'This token can see no repositories.';
  if (shown === 0) return `None of the ${loaded} repositories loaded is in ${language}.`;
  return `${shown} ${shown === 1 ? 'repository' : 'repositories'}${language ? ` in ${language}` : ''}${query ? ` matching “${query}”` : ''}`;
}

function Problem({ title, problem, onRetry, testId }: { title: string; problem: GithubProblem; onRetry: () => void; testId: string }) {
  return (
    <div className="deployment-error repo-error" role="alert" data-testid={testId}>
      <p>
        <span className="error-title">{title}</span>
        <span className="error-code">{problem.code}</span>
      </p>
      <p className="error-message">{problem.message}</p>
      {problem.hint && <p className="error-hint">{problem.hint}</p>}
      {problem.code === 'FORBIDDEN' && (
        <p className="repo-reconnect">The saved token may be invalid or expired: press Remove above, then Connect GitHub with a valid token.</p>
      )}
      <button type="button" className="button button-link" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}
