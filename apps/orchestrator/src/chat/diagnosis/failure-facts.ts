import type { Stage } from '#contracts';
import type { DeploymentEventEntity } from '../../database/deployment-event.entity.js';
import type { DeploymentEntity } from '../../database/deployment.entity.js';
import type { FailureFacts } from './diagnosis-rule.js';

/** Lines of a deployment's log the rules read: the tail, where failures show. */
const TAIL = 400;

/** What the rules read of a failed deployment: its stored events (messages and real log lines) and its error and analysis. */
export function failureFacts(deployment: DeploymentEntity, events: readonly DeploymentEventEntity[]): FailureFacts {
  const lines = events.flatMap((e) => [...(e.message ? [e.message] : []), ...e.logs]).slice(-TAIL);
  const outcome = [...events].reverse().find((e) => e.outcome?.kind === 'error')?.outcome;
  const error =
    outcome?.kind === 'error'
      ? { code: outcome.code, message: outcome.message, hint: outcome.hint, stage: outcome.stage }
      : deployment.errorCode
        ? { code: deployment.errorCode, message: deployment.errorMessage ?? '', hint: deployment.errorHint ?? '', stage: deployment.stage as Stage }
        : null;
  return { error, lines, report: deployment.report, target: deployment.target };
}
