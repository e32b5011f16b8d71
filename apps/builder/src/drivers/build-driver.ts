import type { AnalysisReport, BuildArtifact, SourceSpec, Target } from '#contracts';
import type { ProgressReporter } from '#messaging';

export interface BuildJob {
  deploymentId: string;
  serviceName: string;
  source: SourceSpec;
  commitSha: string | null;
  report: AnalysisReport;
  target: Target;
  token?: string;
  dockerfile: string;
  dockerignore: string;
  reporter: ProgressReporter;
}

/** Turns a planned build into something the deployer can run. */
export interface BuildDriver {
  readonly name: string;
  build(job: BuildJob): Promise<BuildArtifact>;
}
