import type { CommandCall } from '../commands/command-catalog.js';

/**
 * A plain sentence the planner reads back as the same call: the text of a "did you mean" button.
 * Null when the call holds values that must not sit in a button (env values).
 */
export function restate(call: CommandCall): string | null {
  switch (call.command) {
    case 'deploy':
    case 'analyze':
      return `${call.command} ${call.input.repoUrl}${call.input.branch ? ` (branch: ${call.input.branch})` : ''}`;
    case 'status':
      return call.input.service ? `status of ${call.input.service}` : 'status';
    case 'logs':
      return call.input.service ? `logs of ${call.input.service}` : `logs of deployment ${call.input.deploymentId}`;
    case 'rollback':
      return `roll back ${call.input.service}${call.input.revision ? ` to ${call.input.revision}` : ''}`;
    case 'redeploy':
    case 'stop':
    case 'delete':
      return `${call.command} ${call.input.service}`;
    case 'cancel':
      return `cancel deployment ${call.input.deploymentId}`;
    case 'unset_env':
      return `unset ${call.input.names.join(' ')} on ${call.input.service}`;
    case 'explain_failure':
      return call.input.deploymentId ? `why did deployment ${call.input.deploymentId} fail?` : 'why did it fail?';
    case 'list_repos':
      return call.input.query ? `list my repositories named ${call.input.query}` : 'list my repositories';
    case 'traffic':
      return `traffic ${call.input.service} ${call.input.splits.map((s) => `${s.percent}% to ${s.revision}`).join(' and ')}`;
    case 'set_env':
    case 'update_settings':
    case 'apply_patch':
      return null;
  }
}
