import type { DeploymentUpdate, Stage } from '#contracts';

/** Where the progress goes: a terminal gets a live status line, anything else plain lines. */
export interface ProgressOutput {
  write(text: string): void;
  isTTY?: boolean;
  columns?: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR_LINE = '\r\x1b[2K';

interface StageSpan {
  stage: Stage;
  startedAt: number;
}

/**
 * What `servergem deploy` shows while a deployment runs. On a terminal: every log line as it came
 * (colours kept), under a status line redrawn in place (spinner, stage, elapsed time, the last log
 * line); elsewhere: a line per stage and every log line, plain. Both end with the time per stage,
 * measured from the events' own times (`at`).
 */
export class DeployProgress {
  private readonly spans: StageSpan[] = [];
  private lastAt: number | undefined;
  private lastLine = '';
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private statusShown = false;
  private ended = false;

  constructor(
    private readonly output: ProgressOutput,
    private readonly clock: () => number = Date.now,
    private readonly animate = true,
  ) {}

  private get live(): boolean {
    return this.output.isTTY === true;
  }

  update(update: DeploymentUpdate['data']): void {
    if (this.ended) return;
    const at = Date.parse(update.at);
    this.lastAt = at;
    const lines: string[] = [];
    if (this.spans.at(-1)?.stage !== update.stage) {
      this.spans.push({ stage: update.stage, startedAt: at });
      lines.push(`\n▸ ${update.stage} (${update.progress}%)`);
    }
    if (update.message) lines.push(`  ${update.message}`);
    for (const line of update.logs) lines.push(`  │ ${line}`);
    if (update.logs.length > 0) this.lastLine = update.logs.at(-1)!;
    else if (update.message) this.lastLine = update.message;
    this.print(lines);
    if (this.live && this.animate && !this.timer) {
      this.timer = setInterval(() => this.drawStatus(), 100);
      this.timer.unref();
    }
  }

  /** Prints lines above the status line (or as they are, off a terminal). */
  print(lines: string[]): void {
    if (!this.live) {
      if (lines.length) this.output.write(`${lines.join('\n')}\n`);
      return;
    }
    this.output.write(`${this.statusShown ? CLEAR_LINE : ''}${lines.length ? `${lines.join('\n')}\n` : ''}`);
    this.statusShown = false;
    this.drawStatus();
  }

  /** Ends the status line and prints the time each stage took. */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.live && this.statusShown) this.output.write(CLEAR_LINE);
    this.statusShown = false;
    const summary = this.summary();
    if (summary.length) this.output.write(`\n${summary.join('\n')}\n`);
  }

  /** "Time per stage", one line a stage, then the total. */
  summary(): string[] {
    if (this.spans.length === 0 || this.lastAt === undefined) return [];
    const rows = this.spans
      .map((span, i) => ({ stage: span.stage, ms: (this.spans[i + 1]?.startedAt ?? this.lastAt!) - span.startedAt }))
      // The final stage (live, failed, cancelled) is a moment, not a stage of work.
      .filter((row, i) => i < this.spans.length - 1 || row.ms > 0);
    const total = this.lastAt - this.spans[0]!.startedAt;
    const width = Math.max(5, ...rows.map((r) => r.stage.length));
    return [
      'Time per stage',
      ...rows.map((r) => `  ${r.stage.padEnd(width)}  ${duration(r.ms).padStart(8)}`),
      `  ${'total'.padEnd(width)}  ${duration(total).padStart(8)}`,
    ];
  }

  /** The status line as it reads now: spinner, stage, elapsed time, last log line. */
  statusLine(): string {
    const span = this.spans.at(-1);
    if (!span) return '';
    const elapsed = duration(Math.max(0, this.clock() - this.spans[0]!.startedAt));
    const head = `${SPINNER[this.frame % SPINNER.length]} ${span.stage} · ${elapsed}`;
    const width = Math.max(20, (this.output.columns ?? 80) - 1);
    const last = stripAnsi(this.lastLine).replace(/\s+/g, ' ').trim();
    const line = last ? `${head} · ${last}` : head;
    return line.length > width ? `${line.slice(0, width - 1)}…` : line;
  }

  private drawStatus(): void {
    if (!this.live || this.spans.length === 0) return;
    this.frame++;
    this.output.write(`${CLEAR_LINE}${this.statusLine()}`);
    this.statusShown = true;
  }
}

function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** A status line is one line of plain text: a build's colours and cursor moves stay in the log above it. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g, '');
}
