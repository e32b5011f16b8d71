import type { Stage } from '#contracts';
import type { StepName } from '#messaging';

/** Where a deployment's workflow is: the step it waits for, or how it ended. */
export type WorkflowState = 'analyzing' | 'building' | 'deploying' | 'live' | 'failed' | 'cancelled';

/**
 * What happens to it: a step's result, a step's failure (its worker's error, or `INTERRUPTED` once
 * its job was delivered too often), a run given up after too many interrupted runs, a cancel.
 */
export type WorkflowEvent = 'analyzed' | 'built' | 'deployed' | 'step-failed' | 'interrupted' | 'cancelled';

const ENDS = { 'step-failed': 'failed', interrupted: 'failed', cancelled: 'cancelled' } as const;

/**
 * The workflow, whole: state × event → state. An event a state has no entry for changes nothing
 * (a late or duplicate result, a failure after the cancel): the orchestrator applies each
 * transition by compare-and-set on the stored deployment, so only the first one counts.
 */
export const TRANSITIONS: Readonly<Record<WorkflowState, Readonly<Partial<Record<WorkflowEvent, WorkflowState>>>>> = {
  analyzing: { analyzed: 'building', ...ENDS },
  building: { built: 'deploying', ...ENDS },
  deploying: { deployed: 'live', ...ENDS },
  live: {},
  failed: {},
  cancelled: {},
};

/** The state an event leads to, or `null` when it does not apply there (a no-op). */
export function transition(state: WorkflowState, event: WorkflowEvent): WorkflowState | null {
  return TRANSITIONS[state][event] ?? null;
}

export function isTerminal(state: WorkflowState): boolean {
  return Object.keys(TRANSITIONS[state]).length === 0;
}

/** The step a state waits for. */
export const STEP_OF_STATE: Partial<Record<WorkflowState, StepName>> = { analyzing: 'analyze', building: 'build', deploying: 'deploy' };

/** The stage a failure in that state is reported at, unless the deployment's progress said more. */
export const STAGE_OF_STATE: Record<WorkflowState, Stage> = {
  analyzing: 'cloning',
  building: 'generating',
  deploying: 'deploying',
  live: 'live',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** Where a stored deployment resumes: what its row holds says which steps are done. */
export function resumeState(d: { status: string; report: unknown; artifact: unknown }): WorkflowState {
  if (d.status === 'live' || d.status === 'failed' || d.status === 'cancelled') return d.status;
  if (!d.report) return 'analyzing';
  if (!d.artifact) return 'building';
  return 'deploying';
}
