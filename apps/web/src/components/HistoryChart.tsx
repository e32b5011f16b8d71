import type { DeploymentSummary } from '#contracts';

const WIDTH = 320;
const HEIGHT = 80;

interface Bar {
  id: string;
  status: DeploymentSummary['status'];
  buildMs: number;
  deployMs: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The build and deploy times of the last finished deployments, stacked (build below, deploy above,
 * oldest on the left), as the stored events give them; a failed or cancelled one is outlined in red.
 */
export function HistoryChart({ deployments }: { deployments: DeploymentSummary[] }) {
  const bars: Bar[] = deployments
    .filter((d) => d.times && (d.times.buildMs !== null || d.times.deployMs !== null))
    .slice(0, 20)
    .reverse()
    .map((d) => ({ id: d.id, status: d.status, buildMs: d.times!.buildMs ?? 0, deployMs: d.times!.deployMs ?? 0 }));
  if (bars.length === 0) return null;
  const longest = Math.max(1, ...bars.map((b) => b.buildMs + b.deployMs));
  // Room for ten columns at least, so a lone one stays a column.
  const slot = WIDTH / Math.max(10, bars.length);
  const height = (ms: number) => (ms / longest) * HEIGHT;
  return (
    <figure className="history-chart" data-testid="history-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT + 14}`}
        role="img"
        aria-label={`Build and deploy times of the last ${bars.length} deployments; the longest took ${seconds(longest)}`}
      >
        {bars.map((b, i) => {
          const x = i * slot + slot * 0.15;
          const width = slot * 0.7;
          const build = Math.max(b.buildMs > 0 ? 1 : 0, height(b.buildMs));
          const deploy = Math.max(b.deployMs > 0 ? 1 : 0, height(b.deployMs));
          return (
            <g key={b.id} className={`chart-column chart-${b.status}`} data-deployment-id={b.id} data-build-ms={b.buildMs} data-deploy-ms={b.deployMs}>
              <title>{`${b.status}: build ${seconds(b.buildMs)}, deploy ${seconds(b.deployMs)}`}</title>
              {b.buildMs > 0 && <rect className="chart-bar chart-build" x={x} y={HEIGHT - build} width={width} height={build} />}
              {b.deployMs > 0 && <rect className="chart-bar chart-deploy" x={x} y={HEIGHT - build - deploy} width={width} height={deploy} />}
            </g>
          );
        })}
        <text x={0} y={HEIGHT + 12} className="chart-label">
          longest {seconds(longest)}
        </text>
      </svg>
      <figcaption className="chart-legend">
        <span className="chart-key chart-build" /> build <span className="chart-key chart-deploy" /> deploy
      </figcaption>
    </figure>
  );
}
