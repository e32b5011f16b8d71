import { z } from 'zod';

/** Stages of a deployment, in the order they happen. */
export const STAGES = ['queued', 'cloning', 'analyzing', 'generating', 'building', 'pushing', 'deploying', 'verifying', 'live', 'failed', 'cancelled'] as const;

export const stageSchema = z.enum(STAGES);
export type Stage = z.infer<typeof stageSchema>;

export const TERMINAL_STAGES: readonly Stage[] = ['live', 'failed', 'cancelled'];

export const deploymentStatusSchema = z.enum(['queued', 'running', 'live', 'failed', 'cancelled']);
export type DeploymentStatus = z.infer<typeof deploymentStatusSchema>;

export const targetSchema = z.enum(['local', 'cloudrun']);
export type Target = z.infer<typeof targetSchema>;

export function isTerminalStage(stage: Stage): boolean {
  return TERMINAL_STAGES.includes(stage);
}

/** Where a stage starts on the 0–100 progress scale; progress only moves forward. */
export const STAGE_PROGRESS: Record<Stage, number> = {
  queued: 0,
  cloning: 5,
  analyzing: 15,
  generating: 25,
  building: 30,
  pushing: 70,
  deploying: 75,
  verifying: 90,
  live: 100,
  failed: 100,
  cancelled: 100,
};

export function stageIndex(stage: Stage): number {
  return STAGES.indexOf(stage);
}
