import { z } from 'zod';
import {
  deploymentCompleteSchema,
  deploymentErrorSchema,
  isTerminalStage,
  stageSchema,
  type DeploymentComplete,
  type DeploymentError,
  type DeploymentEvent,
  type DeploymentSummary,
  type DeploymentUpdate,
  type Stage,
} from '#contracts';

/** Everything the page knows about one deployment, rebuilt only from what the server sent. */
export const deploymentStateSchema = z.object({
  deploymentId: z.string().min(1),
  /** The highest `seq` applied; anything at or below it is a replay and is dropped. */
  lastSeq: z.number().int().min(0),
  stage: stageSchema,
  progress: z.number().min(0).max(100),
  message: z.string(),
  lines: z.array(z.string()),
  complete: deploymentCompleteSchema.shape.data.nullable(),
  error: deploymentErrorSchema.shape.data.nullable(),
  /** When each stage began (the `at` of its first event), for the timeline; absent in state saved by an earlier version. */
  stages: z.array(z.object({ stage: stageSchema, at: z.string() })).default([]),
  /** The time of the last event applied. */
  lastAt: z.string().nullable().default(null),
});
export type DeploymentState = z.infer<typeof deploymentStateSchema>;

export function newDeployment(deploymentId: string): DeploymentState {
  return { deploymentId, lastSeq: 0, stage: 'queued', progress: 0, message: '', lines: [], complete: null, error: null, stages: [], lastAt: null };
}

/** Applies one update; returns the same object when the update is a duplicate or for another deployment. */
export function applyUpdate(state: DeploymentState, update: DeploymentUpdate['data']): DeploymentState {
  if (update.deploymentId !== state.deploymentId || update.seq <= state.lastSeq) return state;
  return {
    ...state,
    lastSeq: update.seq,
    stage: update.stage,
    progress: Math.max(state.progress, update.progress),
    message: update.message || state.message,
    lines: update.logs.length > 0 ? state.lines.concat(update.logs) : state.lines,
    stages: state.stages.at(-1)?.stage === update.stage ? state.stages : [...state.stages, { stage: update.stage, at: update.at }],
    lastAt: update.at,
  };
}

export function applyComplete(state: DeploymentState, complete: DeploymentComplete['data']): DeploymentState {
  if (complete.deploymentId !== state.deploymentId) return state;
  return { ...state, complete, error: null };
}

export function applyError(state: DeploymentState, error: DeploymentError['data']): DeploymentState {
  if (error.deploymentId !== state.deploymentId) return state;
  return { ...state, error, complete: null };
}

export function isFinished(state: DeploymentState): boolean {
  return isTerminalStage(state.stage) || state.complete !== null || state.error !== null;
}

/** A stored deployment and its event log, as `GET /api/deployments/:id` returns them. */
export function fromStored(deployment: DeploymentSummary, events: DeploymentEvent[]): DeploymentState {
  let state = newDeployment(deployment.id);
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    state = applyUpdate(state, { ...event, at: event.createdAt });
    if (event.outcome?.kind === 'complete') {
      const { url, serviceName, region, image } = event.outcome;
      state = applyComplete(state, { deploymentId: deployment.id, url, service_name: serviceName, region, image });
    } else if (event.outcome?.kind === 'error') {
      const { stage, code, message, hint } = event.outcome;
      state = applyError(state, { deploymentId: deployment.id, stage, code, message, hint });
    }
  }
  if (!state.complete && deployment.url && deployment.status === 'live') {
    state = { ...state, complete: { deploymentId: deployment.id, url: deployment.url, service_name: deployment.serviceName ?? '', region: '', image: '' } };
  }
  if (!state.error && deployment.error) state = { ...state, error: { deploymentId: deployment.id, stage: deployment.stage, ...deployment.error } };
  return state;
}

/** The stages shown in the stepper: the path a successful deployment takes. */
export const PIPELINE: readonly Stage[] = ['queued', 'cloning', 'analyzing', 'generating', 'building', 'pushing', 'deploying', 'verifying', 'live'];
