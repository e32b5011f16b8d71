import { progressSubject, type Stage } from '#contracts';
import type { Redactor } from '#common';
import type { MessageBus } from './message-bus.js';

/** The progress subject's cap on lines per request. */
/** How long a step's reports wait for an orchestrator to be back before the step fails. */
const ORCHESTRATOR_GONE_MS = 60_000;
const RETRIED = new Set(['SERVICE_UNAVAILABLE', 'TIMEOUT', 'INTERNAL']);
const MAX_BATCH = 1000;

interface Report {
  stage: Stage;
  message: string;
  fraction?: number;
  logs: string[];
}

/**
 * A worker's voice in the deployment log. Reports go in order, one request at a time, batched the
 * way Nagle's algorithm batches bytes: a line goes at once when nothing is in flight; while a
 * request is on its way the next lines gather (up to the subject's cap) and go together when it
 * is answered. `flush()` resolves when everything said so far is stored.
 */
export class ProgressReporter {
  private stage: Stage;
  private readonly queue: Report[] = [];
  private busy = false;
  private idle: (() => void)[] = [];
  private failure: unknown;

  constructor(
    private readonly bus: MessageBus,
    private readonly deploymentId: string | undefined,
    initialStage: Stage,
    private readonly redactor?: Redactor,
  ) {
    this.stage = initialStage;
  }

  /** Moves to a stage (or reports progress within it) with a one-line message. */
  step(stage: Stage, message: string, fraction?: number): void {
    if (!this.deploymentId) return;
    this.stage = stage;
    this.queue.push({ stage, message: this.clean(message), fraction, logs: [] });
    this.kick();
  }

  log(line: string): void {
    if (!this.deploymentId) return;
    const last = this.queue.at(-1);
    if (last && last.message === '' && last.fraction === undefined && last.stage === this.stage && last.logs.length < MAX_BATCH) {
      last.logs.push(this.clean(line));
    } else {
      this.queue.push({ stage: this.stage, message: '', logs: [this.clean(line)] });
    }
    this.kick();
  }

  readonly logLine = (line: string): void => this.log(line);

  async flush(): Promise<void> {
    if (this.busy || this.queue.length > 0) await new Promise<void>((done) => this.idle.push(done));
    if (this.failure) throw this.failure;
  }

  private kick(): void {
    if (this.busy) return;
    this.busy = true;
    // The lines of one chunk of output arrive in one go: they leave together.
    queueMicrotask(() => void this.pump());
  }

  private async pump(): Promise<void> {
    const deploymentId = this.deploymentId!;
    for (let report = this.queue.shift(); report; report = this.queue.shift()) {
      try {
        await this.sendRetrying(deploymentId, report);
      } catch (error) {
        this.failure ??= error;
      }
    }
    this.busy = false;
    for (const done of this.idle.splice(0)) done();
  }

  private clean(text: string): string {
    const redacted = this.redactor ? this.redactor.redact(text) : text;
    return redacted.length > 8192 ? `${redacted.slice(0, 8190)}…` : redacted;
  }

  /**
   * Sends one report; while no orchestrator is there (it crashed and another, or it once
   * restarted, takes the deployment over) the step goes on and the report waits, up to a minute.
   */
  private async sendRetrying(deploymentId: string, report: Report): Promise<void> {
    const giveUpAt = Date.now() + ORCHESTRATOR_GONE_MS;
    for (let wait = 500; ; wait = Math.min(wait * 2, 5000)) {
      try {
        await this.bus.request(progressSubject, { deploymentId, ...report });
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        // NATS itself restarting shows as a transport failure (INTERNAL): the report waits for it too.
        if (!RETRIED.has(code ?? '') || Date.now() + wait > giveUpAt) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }
}
