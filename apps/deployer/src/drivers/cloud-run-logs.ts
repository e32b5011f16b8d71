import type { Entry, Logging } from '@google-cloud/logging';
import type { LogEntry } from '#contracts';
import { DomainError } from '#common';
import type { GoogleClientOptions } from './google-client-options.js';

/** How far back `logs` looks, as `gcloud logging read` does by default. */
const FRESHNESS_MS = 24 * 60 * 60 * 1000;
/** Cloud Logging returns at most this many entries a page. */
const PAGE_SIZE = 1000;
/** Entries the server holds back to put late ones in order; Cloud Logging's own default is 2 s. */
const TAIL_BUFFER_MS = 2000;
/** A tail session that ended by itself (sessions do not last for ever) is opened again after this. */
const REOPEN_MS = 1000;
const RECENT_IDS = 1000;

interface TailResponse {
  entries: Entry[];
  suppressionInfo?: { reason?: string | number | null; suppressedCount?: number | null }[];
}

/** The object stream `tailEntries()` returns; typed as a Duplex, it also has `abort()`. */
type TailStream = NodeJS.EventEmitter & { abort?: () => void; destroy(): void };

/**
 * A Cloud Run service's log through Cloud Logging: the last lines with ListLogEntries, and new ones
 * with TailLogEntries. Following uses the tail stream rather than polling ListLogEntries because
 * entries are pushed as they arrive (in order, within a 2 s buffer) and a session does not spend
 * the project's read-request quota on every poll; sessions are limited (10 open per project), so
 * one is held only while someone follows, and reopened if Cloud Logging ends it.
 */
export class CloudRunLogs {
  private loaded: Promise<Logging> | undefined;

  constructor(
    private readonly project: string,
    private readonly region: string,
    private readonly options: GoogleClientOptions,
  ) {}

  /** The filter for one service's revisions in this region: stdout, stderr, request and system logs. */
  filter(service: string, since?: Date): string {
    const terms = [`resource.type="cloud_run_revision"`, `resource.labels.service_name="${service}"`, `resource.labels.location="${this.region}"`];
    if (since) terms.push(`timestamp>="${since.toISOString()}"`);
    return terms.join(' AND ');
  }

  /** The last `tail` lines of the past day, oldest first. */
  async last(service: string, tail: number, now = new Date()): Promise<LogEntry[]> {
    const logging = await this.logging();
    const filter = this.filter(service, new Date(now.getTime() - FRESHNESS_MS));
    const entries: Entry[] = [];
    let pageToken: string | undefined;
    do {
      const [page, next] = await this.call(() =>
        logging.getEntries({
          resourceNames: [`projects/${this.project}`],
          filter,
          orderBy: 'timestamp desc',
          pageSize: Math.min(tail - entries.length, PAGE_SIZE),
          pageToken,
          autoPaginate: false,
        }),
      );
      entries.push(...page);
      pageToken = (next as { pageToken?: string } | null | undefined)?.pageToken || undefined;
    } while (pageToken && entries.length < tail);
    return entries.slice(0, tail).map(toLine).reverse();
  }

  /** New lines as Cloud Logging receives them, until the signal is aborted. */
  async *follow(service: string, signal: AbortSignal): AsyncGenerator<LogEntry> {
    const logging = await this.logging();
    const seen: string[] = [];
    while (!signal.aborted) {
      // The client adds `projects/<project>` to the resource names itself.
      const stream = logging.tailEntries({
        filter: this.filter(service),
        bufferWindow: TAIL_BUFFER_MS,
      }) as unknown as TailStream;
      const stop = () => {
        stream.abort?.();
        stream.destroy();
      };
      signal.addEventListener('abort', stop, { once: true });
      try {
        // Not `for await`: the stream is a Duplex whose iterator also waits for a writable side that never finishes.
        for await (const response of responses(stream)) {
          for (const entry of response.entries) {
            // A reopened session may hand over entries the previous one already did.
            const id = entry.metadata.insertId ?? '';
            if (id && seen.includes(id)) continue;
            if (id) seen.push(id);
            if (seen.length > RECENT_IDS) seen.shift();
            yield toLine(entry);
          }
          for (const info of response.suppressionInfo ?? []) {
            if (info.suppressedCount) yield notice(`${info.suppressedCount} log lines were left out by Cloud Logging (${String(info.reason ?? 'rate limit')})`);
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        throw this.failure(error);
      } finally {
        signal.removeEventListener('abort', stop);
      }
      await new Promise((resolve) => setTimeout(resolve, REOPEN_MS));
    }
  }

  async close(): Promise<void> {
    if (!this.loaded) return;
    const logging = await this.loaded;
    for (const client of [logging.loggingService, logging.configService]) {
      await (client as unknown as { close?: () => Promise<void> } | undefined)?.close?.();
    }
  }

  private async logging(): Promise<Logging> {
    // Loaded on first use: the local target never needs it.
    this.loaded ??= import('@google-cloud/logging').then(({ Logging }) => new Logging({ ...this.options, projectId: this.project }));
    return this.loaded;
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.failure(error);
    }
  }

  private failure(error: unknown): DomainError {
    if (error instanceof DomainError) return error;
    const detail = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown }).code;
    const hint =
      code === 7
        ? `Give the deployer's credentials the Logs Viewer role (roles/logging.viewer) in project ${this.project}.`
        : code === 8
          ? 'Cloud Logging allows 10 live tails per project at once; stop another `logs -f` and try again.'
          : `Check that the Cloud Logging API is enabled in project ${this.project}.`;
    return new DomainError('SERVICE_UNAVAILABLE', `ServerGem could not read the log from Cloud Logging: ${detail}`, hint);
  }
}

/** The stream's responses until it ends (its readable side) or fails. */
async function* responses(stream: TailStream): AsyncGenerator<TailResponse> {
  const queue: TailResponse[] = [];
  let done = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  stream.on('data', (response: TailResponse) => {
    queue.push(response);
    notify();
  });
  stream.on('end', () => {
    done = true;
    notify();
  });
  stream.on('close', () => {
    done = true;
    notify();
  });
  stream.on('error', (error: unknown) => {
    failure = error;
    done = true;
    notify();
  });
  for (;;) {
    const next = queue.shift();
    if (next) {
      yield next;
      continue;
    }
    if (failure) throw failure;
    if (done) return;
    await new Promise<void>((resolve) => (wake = resolve));
  }
}

/** One entry as a line: its text, JSON `message`, or the request it logs. */
export function toLine(entry: Entry): LogEntry {
  const { metadata } = entry;
  const at = metadata.timestamp instanceof Date ? metadata.timestamp.toISOString() : new Date().toISOString();
  const revision = metadata.resource?.labels?.revision_name ?? null;
  const severity = typeof metadata.severity === 'string' && metadata.severity ? metadata.severity : 'DEFAULT';
  return { at, revision, severity, text: entryText(entry) };
}

function entryText(entry: Entry): string {
  const request = entry.metadata.httpRequest as { requestMethod?: string; requestUrl?: string; status?: number; latency?: unknown } | null | undefined;
  if (request?.requestMethod) {
    const latency = durationText(request.latency);
    return `${request.requestMethod} ${request.status ?? ''} ${request.requestUrl ?? ''}${latency ? ` ${latency}` : ''}`.replace(/\s+/g, ' ').trim();
  }
  const data: unknown = entry.data;
  if (typeof data === 'string') return data;
  if (data && typeof data === 'object') {
    const fields = data as Record<string, unknown>;
    const message = fields.message ?? fields.msg ?? fields.textPayload;
    return typeof message === 'string' ? message : JSON.stringify(fields);
  }
  return '';
}

function durationText(latency: unknown): string {
  if (!latency || typeof latency !== 'object') return '';
  const { seconds, nanos } = latency as { seconds?: unknown; nanos?: unknown };
  const ms = Number(seconds ?? 0) * 1000 + Number(nanos ?? 0) / 1e6;
  return Number.isFinite(ms) && ms > 0 ? `${Math.round(ms)}ms` : '';
}

function notice(text: string): LogEntry {
  return { at: new Date().toISOString(), revision: null, severity: 'NOTICE', text };
}
