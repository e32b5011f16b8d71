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
  const summary = (id: string, status: DeploymentSummary['status'], times?: DeploymentSummary['times']) =>
    ({ id, status, createdAt: at(0), finishedAt: times ? at(30) : null, times }) as DeploymentSummary;

  it('stacks each finished deployment’s build and deploy time from its stored events, oldest on the left', () => {
    render(
      <HistoryChart
        deployments={[
          summary('c', 'running'),
          summary('b', 'failed', { buildMs: 4000, deployMs: null }),
          summary('a', 'live', { buildMs: 12000, deployMs: 3000 }),
        ]}
      />,
    );
    const columns = [...screen.getByTestId('history-chart').querySelectorAll('g')];
    expect(columns.map((g) => [g.getAttribute('class'), g.getAttribute('data-build-ms'), g.getAttribute('data-deploy-ms')])).toEqual([
      ['chart-column chart-live', '12000', '3000'],
      ['chart-column chart-failed', '4000', '0'],
    ]);
    const [build, deploy] = [...columns[0]!.querySelectorAll('rect')];
    // The longest column is full height, the deploy on top of the build, in proportion.
    expect(build!.getAttribute('class')).toBe('chart-bar chart-build');
    expect(deploy!.getAttribute('class')).toBe('chart-bar chart-deploy');
    expect(Number(build!.getAttribute('height')) + Number(deploy!.getAttribute('height'))).toBeCloseTo(80);
    expect(Number(build!.getAttribute('height')) / Number(deploy!.getAttribute('height'))).toBeCloseTo(4);
    expect(Number(deploy!.getAttribute('y')) + Number(deploy!.getAttribute('height'))).toBeCloseTo(Number(build!.getAttribute('y')));
    // A build that failed has no deploy part.
    expect(columns[1]!.querySelectorAll('rect')).toHaveLength(1);
    expect(columns[1]!.textContent).toBe('failed: build 4.0 s, deploy 0.0 s');
    expect(screen.getByTestId('history-chart').textContent).toContain('longest 15.0 s');
  });

  it('draws nothing while no deployment has finished', () => {
    render(<HistoryChart deployments={[summary('c', 'running')]} />);
    expect(screen.queryByTestId('history-chart')).toBeNull();
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
