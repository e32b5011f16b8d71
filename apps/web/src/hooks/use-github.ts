import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { GithubBranch, GithubRepo } from '#contracts';
import { GithubRequests, problemOf, type GithubProblem } from '../lib/github-requests';
import type { AppSocket } from './use-servergem';

// The contract allows pages 1..100.
const LAST_PAGE = 100;

/** The GitHub requests of the page's socket, and whether that socket is connected right now. */
export function useGithubClient(socket: AppSocket | null): { client: GithubRequests | null; online: boolean } {
  const client = useMemo(() => (socket ? new GithubRequests(socket) : null), [socket]);
  const [online, setOnline] = useState(socket?.connected ?? false);
  useEffect(() => {
    setOnline(socket?.connected ?? false);
    if (!socket) return;
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    socket.on('connect', up);
    socket.on('disconnect', down);
    return () => {
      socket.off('connect', up);
      socket.off('disconnect', down);
    };
  }, [socket]);
  return { client, online };
}

/** `value`, once it has stayed the same for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export interface RepoList {
  status: 'idle' | 'loading' | 'ready' | 'error';
  repos: GithubRepo[];
  /** The last page that arrived. */
  page: number;
  /** An empty page arrived: there is nothing more to load. */
  end: boolean;
  loadingMore: boolean;
  error: GithubProblem | null;
}

const NO_REPOS: RepoList = { status: 'idle', repos: [], page: 0, end: false, loadingMore: false, error: null };

/** The repositories the token can see whose name contains `query`, a page at a time. */
export function useGithubRepos(client: GithubRequests | null, online: boolean, githubToken: string, query: string) {
  const [list, setList] = useState<RepoList>(NO_REPOS);
  const [reloads, setReloads] = useState(0);
  // Answers to an older query or token are dropped when they arrive.
  const generation = useRef(0);
  const abort = useRef<AbortController | null>(null);

  const load = useCallback(
    (page: number) => {
      if (!client || !githubToken) return;
      if (page === 1) {
        generation.current += 1;
        abort.current?.abort();
        abort.current = new AbortController();
      }
      const mine = generation.current;
      const trimmed = query.trim();
      setList((current) => (page === 1 ? { ...NO_REPOS, status: 'loading' } : { ...current, loadingMore: true, error: null }));
      client.repos({ githubToken, page, ...(trimmed ? { query: trimmed } : {}) }, abort.current?.signal).then(
        ({ repos }) => {
          if (mine !== generation.current) return;
          setList((current) => {
            const known = new Set(page === 1 ? [] : current.repos.map((r) => r.fullName));
            // A push between two pages can move a repository onto the next page as well.
            const fresh = repos.filter((r) => !known.has(r.fullName));
            return {
              status: 'ready',
              repos: page === 1 ? repos : [...current.repos, ...fresh],
              page,
              end: repos.length === 0 || page >= LAST_PAGE,
              loadingMore: false,
              error: null,
            };
          });
        },
        (error: unknown) => {
          const problem = problemOf(error, 'github_repos');
          if (mine !== generation.current || !problem) return;
          setList((current) => ({ ...current, status: page === 1 ? 'error' : current.status, loadingMore: false, error: problem }));
        },
      );
    },
    [client, githubToken, query],
  );

  useEffect(() => {
    if (!online) return;
    load(1);
    return () => {
      generation.current += 1;
    };
  }, [load, online, reloads]);

  const loadMore = useCallback(() => {
    if (list.status === 'ready' && !list.end && !list.loadingMore) load(list.page + 1);
  }, [list, load]);
  const retry = useCallback(() => {
    if (list.status === 'ready') load(list.page + 1);
    else setReloads((n) => n + 1);
  }, [list, load]);

  return { list, loadMore, retry };
}

export interface BranchList {
  status: 'idle' | 'loading' | 'ready' | 'error';
  repo: string;
  defaultBranch: string;
  branches: GithubBranch[];
  error: GithubProblem | null;
}

/** The branches of `repo` (`owner/name`) and its default branch. */
export function useGithubBranches(client: GithubRequests | null, online: boolean, githubToken: string, repo: string | null) {
  const [state, setState] = useState<BranchList>({ status: 'idle', repo: '', defaultBranch: '', branches: [], error: null });
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    if (!client || !repo || !online) return;
    const abort = new AbortController();
    setState({ status: 'loading', repo, defaultBranch: '', branches: [], error: null });
    client.branches({ repo, ...(githubToken ? { githubToken } : {}) }, abort.signal).then(
      (data) => {
        if (!abort.signal.aborted) setState({ status: 'ready', repo, defaultBranch: data.defaultBranch, branches: data.branches, error: null });
      },
      (error: unknown) => {
        const problem = problemOf(error, 'github_branches');
        if (!abort.signal.aborted && problem) setState({ status: 'error', repo, defaultBranch: '', branches: [], error: problem });
      },
    );
    return () => abort.abort();
  }, [client, online, githubToken, repo, reloads]);

  const retry = useCallback(() => setReloads((n) => n + 1), []);
  return { branches: state, retry };
}
