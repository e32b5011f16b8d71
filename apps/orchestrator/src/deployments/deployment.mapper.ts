import type { DeploymentSummary } from '#contracts';
import type { DeploymentEntity } from '../database/deployment.entity.js';

/** Entities never cross a transport: this is what leaves the orchestrator. */
export function toSummary(row: DeploymentEntity): DeploymentSummary {
  return {
    id: row.id,
    status: row.status,
    stage: row.stage,
    progress: row.progress,
    repoUrl: row.repoUrl,
    branch: row.branch,
    appPath: row.appPath,
    commitSha: row.commitSha,
    target: row.target,
    serviceName: row.serviceName,
    url: row.url,
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '', hint: row.errorHint ?? '' } : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    cancelledBy: row.cancelledBy,
  };
}
