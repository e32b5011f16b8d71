import type { AnalysisReport, BuildArtifact, Target } from '#contracts';
import type { ProgressReporter } from '#messaging';
import type { BuildPlan } from '../dockerfile/generate.js';

export interface BuildJob {
  deploymentId: string;
  serviceName: string;
  commitSha: string | null;
  report: AnalysisReport;
  target: Target;
  /** The source at its commit, with the Dockerfile and .dockerignore written into the app folder. */
  sourceDir: string;
  appDir: string;
  plan: BuildPlan;
  reporter: ProgressReporter;
}

/** Turns a planned build into something the deployer can run. */
export interface BuildDriver {
  readonly name: string;
  build(job: BuildJob): Promise<BuildArtifact>;
}
