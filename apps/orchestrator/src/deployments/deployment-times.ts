import type { DataSource } from 'typeorm';
import type { DeploymentTimes } from '#contracts';

interface Spans {
  id: string;
  build_from: Date | null;
  deploy_from: Date | null;
  ended: Date | null;
}

/**
 * Build and deploy times of finished deployments, from their stored events (shared/DESIGN.md's
 * stages): the build runs from the first event past `queued` to the first `deploying` one, the
 * deploy from there to the first event of the end (`live`, `failed`, `cancelled`).
 */
export async function deploymentTimes(db: DataSource, ids: string[]): Promise<Map<string, DeploymentTimes>> {
  if (ids.length === 0) return new Map();
  const rows: Spans[] = await db.query(
    `SELECT deployment_id AS id,
       min(created_at) FILTER (WHERE stage IN ('cloning', 'analyzing', 'generating', 'building', 'pushing')) AS build_from,
       min(created_at) FILTER (WHERE stage IN ('deploying', 'verifying')) AS deploy_from,
       min(created_at) FILTER (WHERE stage IN ('live', 'failed', 'cancelled')) AS ended
     FROM deployment_events WHERE deployment_id = ANY($1::uuid[]) GROUP BY deployment_id`,
    [ids],
  );
  const ms = (from: Date | null, to: Date | null) => (from && to ? Math.max(0, Math.round(new Date(to).getTime() - new Date(from).getTime())) : null);
  return new Map(rows.filter((r) => r.ended).map((r) => [r.id, { buildMs: ms(r.build_from, r.deploy_from ?? r.ended), deployMs: ms(r.deploy_from, r.ended) }]));
}
