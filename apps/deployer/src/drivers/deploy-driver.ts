import type { AnalysisReport, BuildArtifact } from '#contracts';
import type { ProgressReporter } from '#messaging';

export interface DeployJob {
  deploymentId: string;
  serviceName: string;
  artifact: BuildArtifact;
  report: AnalysisReport;
  reporter: ProgressReporter;
}

export interface DeployResult {
  url: string;
  serviceName: string;
  region: string;
  image: string;
}

/** Puts a built artifact live and proves it answers. */
export interface DeployDriver {
  readonly name: string;
  deploy(job: DeployJob): Promise<DeployResult>;
  /** Stops every app the driver runs. */
  stopAll(): Promise<void>;
  /** Lets go of the apps without stopping them (the deployer is shutting down). */
  close(): Promise<void>;
}
