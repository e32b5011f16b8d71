import type { AnalysisReport, BuildArtifact, SecretReference, Target } from '#contracts';
import type { ProgressReporter } from '#messaging';
import type { BuildPlan } from '../dockerfile/generate.js';
import type { ToolchainChoice } from '../toolchain/provision.js';

export interface BuildJob {
  deploymentId: string;
  /** Which delivery of the build step's job this is (each works in its own folder). */
  attempt?: number;
  serviceName: string;
  commitSha: string | null;
  report: AnalysisReport;
  target: Target;
  /** The source at its commit, with the Dockerfile and .dockerignore written into the app folder. */
  sourceDir: string;
  appDir: string;
  plan: BuildPlan;
  /** The toolchain the app declares, at the version the Dockerfile pins too; the `local` target provisions it. */
  toolchain?: ToolchainChoice | null;
  reporter: ProgressReporter;
  /** Build-time variables (not secret). */
  buildEnv?: Record<string, string>;
  /** Build-time secrets as Secret Manager references; the Cloud Build build mounts them, never as ARG or ENV. */
  buildSecrets?: Record<string, SecretReference>;
  /** A local build's secrets, opened: its commands' environment only, redacted from its log. */
  buildSecretValues?: Record<string, string>;
  /**
   * Aborted when the deployment is cancelled: the driver stops the build (a local one's whole
   * process group, a Cloud Build build by CancelBuild) and throws `DomainError('CANCELLED')`.
   */
  signal?: AbortSignal;
}

/** Turns a planned build into something the deployer can run. */
export interface BuildDriver {
  readonly name: string;
  build(job: BuildJob): Promise<BuildArtifact>;
}
