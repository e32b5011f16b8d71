import type { SettingsChange } from '#contracts';
import type { CommandCall } from './command-catalog.js';

/** What a call will do, in a sentence a person confirms (names only, never an env value). */
export function describeCall(call: CommandCall): string {
  switch (call.command) {
    case 'rollback':
      return `Roll **${call.input.service}** back to ${call.input.revision ? `revision \`${call.input.revision}\`` : 'the revision before the current one'}`;
    case 'stop':
      return `Stop **${call.input.service}**: it stops serving until it is deployed or rolled back again`;
    case 'delete':
      return `Delete **${call.input.service}** with its revisions and settings`;
    case 'traffic':
      return `Send the traffic of **${call.input.service}** ${call.input.splits.map((s) => `${s.percent}% to \`${s.revision}\``).join(', ')}`;
    case 'set_env':
      return `Set ${Object.keys(call.input.env).join(', ')} on **${call.input.service}**${call.input.secret ? ' (as secrets)' : ''} and redeploy it`;
    case 'unset_env':
      return `Remove ${call.input.names.join(', ')} from **${call.input.service}** and redeploy it`;
    case 'update_settings':
      return `Change the settings of **${call.input.service}** (${describeChange(call.input.change)}) and redeploy it`;
    case 'apply_patch':
      return `Apply the change to \`${call.input.file}\` and redeploy`;
    case 'cancel':
      return `Cancel deployment \`${call.input.deploymentId.slice(0, 8)}\``;
    case 'redeploy':
      return `Redeploy **${call.input.service}**`;
    case 'deploy':
    case 'analyze':
      return `${call.command === 'deploy' ? 'Deploy' : 'Analyze'} ${call.input.repoUrl}${call.input.branch ? ` (branch \`${call.input.branch}\`)` : ''}`;
    default:
      return call.command.replace('_', ' ');
  }
}

export function describeChange(change: SettingsChange): string {
  const parts: string[] = [];
  if (change.port !== undefined) parts.push(change.port === null ? 'port from PORT' : `port ${change.port}`);
  if (change.startCommand !== undefined) parts.push(change.startCommand === null ? 'the detected start command' : `start command \`${change.startCommand}\``);
  if (change.healthCheckPath) parts.push(`health check \`${change.healthCheckPath}\``);
  if (change.env) parts.push(`env ${Object.keys(change.env).join(', ')}`);
  if (change.buildEnv) parts.push(`build env ${Object.keys(change.buildEnv).join(', ')}`);
  if (change.secrets) parts.push(`secrets ${Object.keys(change.secrets).join(', ')}`);
  if (change.unset) parts.push(`remove ${change.unset.join(', ')}`);
  if (change.cloudRun)
    parts.push(
      `Cloud Run ${Object.entries(change.cloudRun)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ')}`,
    );
  return parts.join('; ') || 'no change';
}
