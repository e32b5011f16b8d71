import { progressSubject, type Stage } from '#contracts';
import type { Redactor } from '#common';
import type { MessageBus } from './message-bus.js';

const FLUSH_EVERY_MS = 150;
const MAX_BATCH = 500;

/**
 * A worker's voice in the deployment log. Log lines are batched and sent in order, one batch at a
 * time, each acknowledged once stored; `flush()` resolves when everything said so far is stored.
 */
export class ProgressReporter {
  private stage: Stage;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
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
    this.flushLines();
    this.stage = stage;
    this.enqueue({ stage, message: this.clean(message), fraction, logs: [] });
  }

  log(line: string): void {
    if (!this.deploymentId) return;
    this.pending.push(this.clean(line));
    if (this.pending.length >= MAX_BATCH) this.flushLines();
    else this.timer ??= setTimeout(() => this.flushLines(), FLUSH_EVERY_MS);
  }

  readonly logLine = (line: string): void => this.log(line);

  async flush(): Promise<void> {
    this.flushLines();
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private flushLines(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const logs = this.pending;
    this.pending = [];
    this.enqueue({ stage: this.stage, message: '', logs });
  }

  private enqueue(report: { stage: Stage; message: string; fraction?: number; logs: string[] }): void {
    const deploymentId = this.deploymentId;
    if (!deploymentId) return;
    this.chain = this.chain.then(async () => {
      try {
        await this.bus.request(progressSubject, { deploymentId, ...report });
      } catch (error) {
        this.failure ??= error;
      }
    });
  }

  private clean(text: string): string {
    const redacted = this.redactor ? this.redactor.redact(text) : text;
    return redacted.length > 8192 ? `${redacted.slice(0, 8190)}…` : redacted;
  }
}
