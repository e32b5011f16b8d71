import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { errorCodeSchema } from '#contracts';

/**
 * The process's one registry. In the all-in-one server every service shares it, so the gateway's
 * `/metrics` shows the whole process; each service started on its own has its own.
 */
export const metricsRegistry = new Registry();
// CPU, memory, event loop lag, handles, GC: the `process_*` and `nodejs_*` families.
collectDefaultMetrics({ register: metricsRegistry });

const registers = [metricsRegistry];
/** From a cache hit on the in-process bus to a build that takes half an hour. */
const REQUEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800];
const STAGE_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600];

export const busRequestSeconds = new Histogram({
  name: 'servergem_bus_request_duration_seconds',
  help: 'Requests one service made to another, by subject and outcome (ok or the error code), from send to validated reply.',
  labelNames: ['subject', 'outcome'] as const,
  buckets: REQUEST_BUCKETS,
  registers,
});

export const eventsStored = new Counter({
  name: 'servergem_events_stored_total',
  help: 'Deployment events (stage changes and batches of log lines) stored in the event log.',
  registers,
});

export const logLinesStored = new Counter({
  name: 'servergem_log_lines_stored_total',
  help: 'Log lines stored with deployment events.',
  registers,
});

export const eventsFannedOut = new Counter({
  name: 'servergem_events_fanned_out_total',
  help: 'Deployment events sent to subscribed sockets (one per socket and event).',
  registers,
});

export const socketConnections = new Gauge({
  name: 'servergem_socket_connections',
  help: 'Socket.IO connections open now.',
  registers,
});

export const stepSeconds = new Histogram({
  name: 'servergem_step_duration_seconds',
  help: 'Worker steps of a deployment (analyze, build, deploy), by target and outcome (ok or the error code).',
  labelNames: ['step', 'target', 'outcome'] as const,
  buckets: STAGE_BUCKETS,
  registers,
});

export const stageSeconds = new Histogram({
  name: 'servergem_deployment_stage_duration_seconds',
  help: 'Time each deployment spent in each stage, from its first event in the stage to the first of the next, observed when it finishes.',
  labelNames: ['stage'] as const,
  buckets: STAGE_BUCKETS,
  registers,
});

export const deploymentSeconds = new Histogram({
  name: 'servergem_deployment_duration_seconds',
  help: 'Deployments from request to their end, by final status.',
  labelNames: ['status'] as const,
  buckets: STAGE_BUCKETS,
  registers,
});

export const deploymentsFinished = new Counter({
  name: 'servergem_deployments_finished_total',
  help: 'Deployments that reached live, failed or cancelled.',
  labelNames: ['status'] as const,
  registers,
});

/** Reads the deployments table: how many deployments have each status right now. */
export type DeploymentCounter = () => Promise<Record<string, number>>;
const counters: DeploymentCounter[] = [];

new Gauge({
  name: 'servergem_deployments',
  help: 'Deployments by status, read from the database at scrape time (by the process running the orchestrator).',
  labelNames: ['status'] as const,
  registers,
  async collect() {
    this.reset();
    const counter = counters.at(-1);
    if (!counter) return;
    try {
      for (const [status, count] of Object.entries(await counter())) this.set({ status }, count);
    } catch {
      // The database is down: no sample rather than a failed scrape; /ready says why.
    }
  },
});

/** The orchestrator registers its count while it runs; the function returned takes it back. */
export function countDeploymentsWith(counter: DeploymentCounter): () => void {
  counters.push(counter);
  return () => {
    const index = counters.indexOf(counter);
    if (index >= 0) counters.splice(index, 1);
  };
}

/** The outcome label of failed work: the error's code when it is one of ServerGem's, else INTERNAL (a bounded set). */
export function outcomeOf(error: unknown): string {
  const code = errorCodeSchema.safeParse((error as { code?: unknown } | null)?.code);
  return code.success ? code.data : 'INTERNAL';
}
