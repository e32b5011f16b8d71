import { Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { DeploymentEvent } from '#contracts';
import { countDeploymentsWith, deploymentSeconds, deploymentsFinished, eventsStored, logLinesStored, stageSeconds } from '#messaging';
import { InFlightWork } from '../lifecycle/in-flight-work.js';

const STATUSES = ['queued', 'running', 'live', 'failed', 'cancelled'] as const;

/**
 * The deployments' share of `/metrics`: events and log lines as the event log stores them, and,
 * once a deployment ends, how long it spent in each stage, read back from its stored events (so
 * the figures hold whichever orchestrator stored which event, and across restarts). Deployments
 * by status are read from the table at scrape time.
 */
@Injectable()
export class DeploymentMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeploymentMetrics.name);
  private release: (() => void) | undefined;

  constructor(
    private readonly db: DataSource,
    // The module always provides it (a stop waits for the stage figures' query); a test may leave it out.
    @Optional() private readonly work?: InFlightWork,
  ) {}

  onApplicationBootstrap(): void {
    this.release = countDeploymentsWith(() => this.byStatus());
  }

  onApplicationShutdown(): void {
    this.release?.();
  }

  /** Told of every event the event log stored. */
  stored(event: DeploymentEvent): void {
    eventsStored.inc();
    if (event.logs.length > 0) logLinesStored.inc(event.logs.length);
    if (event.outcome) {
      const measured = this.finished(event).catch((error: unknown) =>
        this.logger.warn(`Could not measure the stages of ${event.deploymentId}: ${String(error)}`),
      );
      void (this.work ? this.work.track(`stage figures of ${event.deploymentId}`, measured) : measured);
    }
  }

  async byStatus(): Promise<Record<string, number>> {
    const rows: { status: string; count: string }[] = await this.db.query('SELECT status, count(*) AS count FROM deployments GROUP BY status');
    const counts: Record<string, number> = Object.fromEntries(STATUSES.map((s) => [s, 0]));
    for (const row of rows) counts[row.status] = Number(row.count);
    return counts;
  }

  private async finished(event: DeploymentEvent): Promise<void> {
    const status = event.stage;
    deploymentsFinished.inc({ status });
    const rows: { stage: string; started: Date }[] = await this.db.query(
      `SELECT 'queued' AS stage, created_at AS started FROM deployments WHERE id = $1
       UNION ALL
       SELECT stage, min(created_at) AS started FROM deployment_events WHERE deployment_id = $1 AND stage <> 'queued' GROUP BY stage
       ORDER BY started`,
      [event.deploymentId],
    );
    if (rows.length === 0) return;
    for (let i = 0; i + 1 < rows.length; i++) {
      stageSeconds.observe({ stage: rows[i]!.stage }, seconds(rows[i]!.started, rows[i + 1]!.started));
    }
    deploymentSeconds.observe({ status }, seconds(rows[0]!.started, rows.at(-1)!.started));
  }
}

function seconds(from: Date, to: Date): number {
  return Math.max(0, (new Date(to).getTime() - new Date(from).getTime()) / 1000);
}
