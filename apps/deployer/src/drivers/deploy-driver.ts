import type { AnalysisReport, BuildArtifact, LogEntry, ServiceRevision, ServiceSettings, ServiceState, TrafficSplit } from '#contracts';
import type { ProgressReporter } from '#messaging';

export interface DeployJob {
  deploymentId: string;
  serviceName: string;
  artifact: BuildArtifact;
  report: AnalysisReport;
  reporter: ProgressReporter;
  /** The service's settings (secrets sealed). Without them the driver goes by the analysis and its own defaults. */
  settings?: ServiceSettings;
  /** The settings' version, recorded on what the deployment makes. */
  settingsVersion?: number;
  /**
   * Aborted when the deployment is cancelled: the driver stops waiting, removes what it half made,
   * leaves the previous revision serving and throws `DomainError('CANCELLED')`.
   */
  signal?: AbortSignal;
  /** Which delivery of the step's job this is: a later one takes the service over from an earlier one still going. */
  attempt?: number;
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

export interface RollbackResult {
  name: string;
  revision: string;
  url: string;
}

export interface TrafficResult {
  name: string;
  url: string;
  traffic: TrafficSplit[];
}

export interface DeleteResult {
  name: string;
  /** Secrets deleted with the service. */
  secrets: string[];
}

/**
 * Day-2 operations on a deployed service, one shape for every target. A target that cannot do one
 * throws `DomainError` saying so, rather than pretending.
 */
export interface ServiceOperations {
  /** URL, readiness, the revisions serving and their shares. */
  status(service: string): Promise<ServiceState>;
  /** Newest first. */
  revisions(service: string): Promise<ServiceRevision[]>;
  /** Serves a named revision again, or the ready one before the revision serving now. */
  rollback(service: string, revision?: string): Promise<RollbackResult>;
  /** Splits the traffic between existing revisions; the percentages add up to 100. */
  traffic(service: string, splits: TrafficSplit[]): Promise<TrafficResult>;
  /** The last `tail` lines, oldest first. */
  logs(service: string, tail: number): Promise<LogEntry[]>;
  /** New lines as they come, until the signal is aborted. */
  followLogs(service: string, signal: AbortSignal): AsyncIterable<LogEntry>;
  /** No instance runs and nothing answers, but the service, its URL and revisions stay. */
  stop(service: string): Promise<ServiceState>;
  /** Undoes `stop`. */
  start(service: string): Promise<ServiceState>;
  /** Removes the service and everything ServerGem made for it. */
  delete(service: string): Promise<DeleteResult>;
}
