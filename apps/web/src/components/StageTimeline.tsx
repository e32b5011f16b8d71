import type { DeploymentState } from '../lib/deployment-state';

function seconds(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** Each stage the deployment went through and how long it took, from the events' own times. */
export function StageTimeline({
  deployment,
  now = Date.now(),
}: {
  deployment: Pick<DeploymentState, 'stages' | 'lastAt'> & { finished: boolean };
  now?: number;
}) {
  const { stages, lastAt, finished } = deployment;
  if (stages.length === 0) return null;
  const end = finished && lastAt ? Date.parse(lastAt) : Math.max(now, Date.parse(lastAt ?? stages[0]!.at));
  const spans = stages.map((span, i) => ({ stage: span.stage, ms: Math.max(0, (stages[i + 1] ? Date.parse(stages[i + 1]!.at) : end) - Date.parse(span.at)) }));
  const total = Math.max(1, end - Date.parse(stages[0]!.at));
  return (
    <ol className="stage-timeline" data-testid="stage-timeline" aria-label="Time per stage">
      {spans.map((span, i) => {
        const running = !finished && i === spans.length - 1;
        return (
          <li key={`${span.stage}-${i}`} className={`timeline-stage timeline-${span.stage}${running ? ' timeline-running' : ''}`} data-stage={span.stage}>
            <span className="timeline-name">{span.stage}</span>
            <span className="timeline-bar" style={{ width: `${Math.max(2, (span.ms / total) * 100)}%` }} aria-hidden="true" />
            <span className="timeline-duration">{running ? `${seconds(span.ms)}…` : seconds(span.ms)}</span>
          </li>
        );
      })}
    </ol>
  );
}
