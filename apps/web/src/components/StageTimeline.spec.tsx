// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeploymentSummary } from '#contracts';
import { stripAnsi } from '../lib/ansi';
import { HistoryChart } from './HistoryChart';
import { LogView } from './LogView';
import { StageTimeline } from './StageTimeline';

afterEach(cleanup);

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + s * 1000).toISOString();

describe(StageTimeline.name, () => {
  it('shows each stage with its duration for a past deployment', () => {
    render(
      <StageTimeline
        deployment={{
          stages: [
            { stage: 'queued', at: at(0) },
            { stage: 'building', at: at(1) },
            { stage: 'deploying', at: at(13.5) },
            { stage: 'live', at: at(15) },
          ],
          lastAt: at(15),
          finished: true,
        }}
      />,
    );
    const items = within(screen.getByTestId('stage-timeline')).getAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual(['queued1.0 s', 'building12.5 s', 'deploying1.5 s', 'live0.0 s']);
  });

  it('counts the running stage up to now for a live one', () => {
    render(<StageTimeline deployment={{ stages: [{ stage: 'building', at: at(0) }], lastAt: at(0), finished: false }} now={Date.parse(at(75))} />);
    expect(screen.getByTestId('stage-timeline').textContent).toBe('building1 min 15 s…');
  });
});

describe(HistoryChart.name, () => {
  it('draws one bar per finished deployment, the longest full height', () => {
    const summary = (id: string, seconds: number | null, status: DeploymentSummary['status']) =>
      ({ id, status, createdAt: at(0), finishedAt: seconds === null ? null : at(seconds) }) as DeploymentSummary;
    render(<HistoryChart deployments={[summary('a', 10, 'live'), summary('b', 20, 'failed'), summary('c', null, 'running')]} />);
    const bars = screen.getByTestId('history-chart').querySelectorAll('rect');
    expect([...bars].map((b) => [b.getAttribute('data-ms'), b.getAttribute('class')])).toEqual([
      ['20000', 'chart-bar chart-failed'],
      ['10000', 'chart-bar chart-live'],
    ]);
  });
});

describe('a log line with colour codes', () => {
  it('reads as text in the browser', () => {
    expect(stripAnsi('\x1b[1;32m✓\x1b[0m built')).toBe('✓ built');
    render(<LogView lines={['\x1b[31merror\x1b[0m: missing']} label="log" testId="log" />);
    expect(screen.getByTestId('log').textContent).toContain('error: missing');
    expect(screen.getByTestId('log').textContent).not.toContain('\x1b');
  });
});
