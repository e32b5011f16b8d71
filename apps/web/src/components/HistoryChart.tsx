import type { DeploymentSummary } from '#contracts';

const WIDTH = 320;
const HEIGHT = 80;

/** How long the last finished deployments took, start to end, as bars (oldest on the left); a failed one is red. */
export function HistoryChart({ deployments }: { deployments: DeploymentSummary[] }) {
  const done = deployments
    .filter((d) => d.finishedAt)
    .slice(0, 20)
    .reverse()
    .map((d) => ({ id: d.id, status: d.status, ms: Math.max(0, Date.parse(d.finishedAt!) - Date.parse(d.createdAt)) }));
  if (done.length === 0) return null;
  const longest = Math.max(1, ...done.map((d) => d.ms));
  const slot = WIDTH / done.length;
  return (
    <figure className="history-chart" data-testid="history-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT + 14}`}
        role="img"
        aria-label={`Build and deploy time of the last ${done.length} deployments; the longest took ${(longest / 1000).toFixed(1)} s`}
      >
        {done.map((d, i) => {
          const h = Math.max(2, (d.ms / longest) * HEIGHT);
          return (
            <rect key={d.id} className={`chart-bar chart-${d.status}`} x={i * slot + slot * 0.15} y={HEIGHT - h} width={slot * 0.7} height={h} data-ms={d.ms}>
              <title>{`${d.status}: ${(d.ms / 1000).toFixed(1)} s`}</title>
            </rect>
          );
        })}
        <text x={0} y={HEIGHT + 12} className="chart-label">
          longest {(longest / 1000).toFixed(1)} s
        </text>
      </svg>
    </figure>
  );
}
