import type { Socket } from 'socket.io-client';
import {
  requestErrorSchema,
  serverGithubBranchesSchema,
  serverGithubReposSchema,
  type ClientGithubBranches,
  type ClientGithubRepos,
  type ClientToServerEvents,
  type RequestError,
  type ServerGithubBranches,
  type ServerGithubRepos,
  type ServerToClientEvents,
} from '#contracts';

type GithubSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type GithubEvent = 'github_repos' | 'github_branches';

/** What went wrong, as the server says it in `request_error` (or as the page says it when the server cannot). */
export type GithubProblem = RequestError['data'];

export class GithubRequestError extends Error {
  constructor(readonly problem: GithubProblem) {
    super(problem.message);
    this.name = GithubRequestError.name;
  }
}

/** A request that a newer one made pointless before it was sent. */
export class SupersededError extends Error {
  constructor() {
    super('superseded');
    this.name = SupersededError.name;
  }
}

// A little above the server's own 60 s limit, so its answer (or its error) normally arrives first.
const ANSWER_TIMEOUT_MS = 65_000;

/**
 * `github_repos` and `github_branches` over the page's socket. The answers carry no request id, so
 * only one request per event is in flight at a time; one aborted while it waits is never sent.
 */
export class GithubRequests {
  private readonly queues = new Map<GithubEvent, Promise<unknown>>();

  constructor(private readonly socket: GithubSocket) {}

  repos(payload: ClientGithubRepos, signal?: AbortSignal): Promise<ServerGithubRepos['data']> {
    return this.enqueue(
      'github_repos',
      () => this.socket.emit('github_repos', payload),
      (raw) => {
        const parsed = serverGithubReposSchema.safeParse(raw);
        return parsed.success ? parsed.data.data : null;
      },
      signal,
    );
  }

  branches(payload: ClientGithubBranches, signal?: AbortSignal): Promise<ServerGithubBranches['data']> {
    return this.enqueue(
      'github_branches',
      () => this.socket.emit('github_branches', payload),
      (raw) => {
        const parsed = serverGithubBranchesSchema.safeParse(raw);
        return parsed.success && parsed.data.data.repo === payload.repo ? parsed.data.data : null;
      },
      signal,
    );
  }

  private enqueue<T>(event: GithubEvent, send: () => void, parse: (raw: unknown) => T | null, signal: AbortSignal | undefined): Promise<T> {
    const previous = this.queues.get(event) ?? Promise.resolve();
    const turn = previous.then(() => (signal?.aborted ? Promise.reject(new SupersededError()) : this.ask(event, send, parse)));
    this.queues.set(
      event,
      turn.catch(() => undefined),
    );
    return turn;
  }

  private ask<T>(event: GithubEvent, send: () => void, parse: (raw: unknown) => T | null): Promise<T> {
    const socket = this.socket;
    if (!socket.connected) {
      return Promise.reject(
        new GithubRequestError({
          event,
          code: 'SERVICE_UNAVAILABLE',
          message: 'Not connected to the ServerGem server.',
          hint: 'Wait for the connection to come back, then try again.',
        }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        socket.off(event, onAnswer);
        socket.off('request_error', onError);
        socket.off('disconnect', onDisconnect);
      };
      const onAnswer = (raw: unknown) => {
        const value = parse(raw);
        if (value === null) return;
        finish();
        resolve(value);
      };
      const onError = (raw: unknown) => {
        const parsed = requestErrorSchema.safeParse(raw);
        if (!parsed.success || parsed.data.data.event !== event) return;
        finish();
        reject(new GithubRequestError(parsed.data.data));
      };
      const onDisconnect = () => {
        finish();
        reject(
          new GithubRequestError({
            event,
            code: 'SERVICE_UNAVAILABLE',
            message: 'The connection to the server was lost before GitHub answered.',
            hint: 'Wait for the connection to come back, then try again.',
          }),
        );
      };
      const timer = setTimeout(() => {
        finish();
        reject(new GithubRequestError({ event, code: 'TIMEOUT', message: 'GitHub did not answer in time.', hint: 'Try again in a moment.' }));
      }, ANSWER_TIMEOUT_MS);
      socket.on(event, onAnswer);
      socket.on('request_error', onError);
      socket.on('disconnect', onDisconnect);
      send();
    });
  }
}

/** The problem to show for whatever a request rejected with; null when there is nothing to show. */
export function problemOf(error: unknown, event: GithubEvent): GithubProblem | null {
  if (error instanceof SupersededError) return null;
  if (error instanceof GithubRequestError) return error.problem;
  return { event, code: 'INTERNAL', message: 'Something went wrong in the page while talking to the server.', hint: 'Reload the page and try again.' };
}
