import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DeploymentUpdate } from '#contracts';
import { DeployProgress, stripAnsi } from './deploy-progress.js';

const id = randomUUID();
const start = Date.UTC(2026, 0, 1, 12, 0, 0);
const update = (seq: number, stage: DeploymentUpdate['data']['stage'], secondsIn: number, logs: string[] = [], message = ''): DeploymentUpdate['data'] => ({
  deploymentId: id,
  seq,
  stage,
  progress: seq,
  message,
  logs,
  at: new Date(start + secondsIn * 1000).toISOString(),
});

function output(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, text: () => chunks.join(''), write: (t: string) => void chunks.push(t), isTTY, columns: 60 };
}

const run = [
  update(1, 'queued', 0, [], 'Queued'),
  update(2, 'cloning', 0.5, ['Cloning into x']),
  update(3, 'building', 2, ['$ npm ci', '\x1b[32madded 1 package\x1b[0m']),
  update(4, 'building', 14.25, ['done']),
  update(5, 'deploying', 14.5, [], 'Starting'),
  update(6, 'live', 16, []),
];

describe(DeployProgress.name, () => {
  it('prints plain lines off a terminal: a line per stage, every log line as it came, then the time per stage once', () => {
    const out = output(false);
    const sut = new DeployProgress(out, () => start, false);
    for (const u of run) sut.update(u);
    sut.finish();
    sut.finish();
    const text = out.text();
    expect(text).not.toContain('\r');
    expect(text).toContain('\n▸ building (3%)\n  │ $ npm ci\n  │ \x1b[32madded 1 package\x1b[0m\n');
    expect(
      text.endsWith(
        [
          'Time per stage',
          '  queued        0.5 s',
          '  cloning       1.5 s',
          '  building     12.5 s',
          '  deploying     1.5 s',
          '  total        16.0 s',
          '',
        ].join('\n'),
      ),
    ).toBe(true);
    expect(text.match(/Time per stage/g)).toHaveLength(1);
  });

  it('keeps a status line under the log on a terminal: spinner, stage, elapsed time and the last line, cut to the width', () => {
    const out = output(true);
    let now = start;
    const sut = new DeployProgress(out, () => now, false);
    sut.update(run[0]!);
    sut.update(run[1]!);
    now = start + 2500;
    sut.update(run[2]!);
    const status = sut.statusLine();
    expect(status).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] building · 2\.5 s · added 1 package$/);
    // The log line above keeps its colours; the status line is redrawn in place after it.
    const last = out.chunks.at(-1)!;
    expect(out.chunks.at(-2)).toContain('  │ \x1b[32madded 1 package\x1b[0m\n');
    expect(last.startsWith('\r\x1b[2K')).toBe(true);
    sut.update(update(4, 'building', 3, ['x'.repeat(200)]));
    expect(sut.statusLine().length).toBeLessThanOrEqual(59);
    expect(sut.statusLine().endsWith('…')).toBe(true);
    sut.finish();
    expect(out.text()).toContain('\r\x1b[2K\nTime per stage\n');
  });

  it('shows a minute-long stage in minutes', () => {
    const out = output(false);
    const sut = new DeployProgress(out, () => start, false);
    sut.update(update(1, 'building', 0));
    sut.update(update(2, 'live', 125));
    expect(sut.summary()).toEqual(['Time per stage', '  building  2 min 05 s', '  total     2 min 05 s']);
  });
});

describe(stripAnsi.name, () => {
  it('takes out colours, cursor moves and titles, and leaves the text', () => {
    expect(stripAnsi('\x1b[1;31merror\x1b[0m: \x1b[2Kdone\x1b]0;title\x07!')).toBe('error: done!');
  });
});
