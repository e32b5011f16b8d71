import { Injectable } from '@nestjs/common';
import { DeploymentLookup } from '../deployment-lookup.js';
import { replyButton } from '../planner/plan.js';
import type { CommandCall } from './command-catalog.js';
import type { CommandContext, CommandResult } from './command-runner.js';
import { describeChange } from './describe-call.js';

/**
 * The answer of a command the catalog declares but no handler serves yet: it says plainly that
 * nothing ran, and what to use instead (with a button when the product has a way).
 */
@Injectable()
export class UnavailableCommands {
  constructor(private readonly deployments: DeploymentLookup) {}

  async reply(call: CommandCall, context: CommandContext): Promise<CommandResult> {
    const declined = (content: string, actions: CommandResult['actions'] = []): CommandResult => ({
      content,
      actions,
      declined: true,
      data: { available: false, command: call.command },
    });
    switch (call.command) {
      case 'redeploy': {
        const last = await this.deployments.latest(context.owner, { service: call.input.service });
        if (!last) return declined(`I cannot redeploy **${call.input.service}** from the chat yet, and I found no deployment of it to repeat.`);
        const again = `deploy ${last.repoUrl}${last.branch ? ` (branch: ${last.branch})` : ''}`;
        return declined(
          `Redeploying a service in place is not available yet, so nothing ran. Deploying its source again does the same: **${last.repoUrl}**${last.branch ? ` (branch \`${last.branch}\`)` : ''}.`,
          [replyButton('Deploy it again', again, 'primary')],
        );
      }
      case 'set_env':
      case 'unset_env':
      case 'update_settings': {
        const what =
          call.command === 'set_env'
            ? `set ${Object.keys(call.input.env).join(', ')}`
            : call.command === 'unset_env'
              ? `remove ${call.input.names.join(', ')}`
              : `change ${describeChange(call.input.change)}`;
        return declined(
          `Changing a service's settings from the chat is not available yet, so I did not ${what} on **${call.input.service}**. ` +
            'For now, put the value in the app itself (a default in its code or a config file in the repository) and deploy again; ' +
            'a start command can go in a Procfile (`web: <command>`).',
        );
      }
      case 'stop':
        return declined(
          `Stopping a service from the chat is not available yet, so **${call.input.service}** keeps running. \`POST /api/services/${call.input.service}/stop\` stops it.`,
        );
      case 'delete':
        return declined(
          `Deleting a service from the chat is not available yet, so **${call.input.service}** is untouched. \`DELETE /api/services/${call.input.service}\` deletes it.`,
        );
      case 'traffic':
        return declined(
          `Splitting traffic from the chat is not available yet, so **${call.input.service}** serves as before. \`POST /api/services/${call.input.service}/traffic\` with \`{ "splits": [{ "revision": "…", "percent": 90 }, …] }\` splits it; rolling back moves all of it to one revision.`,
        );
      default:
        return declined(`${call.command.replace('_', ' ')} is not available yet.`);
    }
  }
}
