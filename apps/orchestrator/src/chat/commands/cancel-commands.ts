import { Injectable } from '@nestjs/common';
import { CancellationService } from '../../workflow/cancellation.js';
import { replyButton } from '../planner/plan.js';
import type { CommandInput } from './command-catalog.js';
import type { CommandContext, CommandHandlers, CommandResult } from './command-runner.js';

/** cancel: the same cancellation as REST and the CLI, for the owner's own deployments only. */
@Injectable()
export class CancelCommands {
  constructor(private readonly cancellation: CancellationService) {}

  async cancel(input: CommandInput<'cancel'>, context: CommandContext): Promise<CommandResult> {
    const result = await this.cancellation.cancel(context.owner, { deploymentId: input.deploymentId });
    return {
      content: result.cancelled ? `Cancelled deployment \`${result.deploymentId.slice(0, 8)}\`. ${result.message}` : result.message,
      actions: [replyButton('Show status', 'status')],
      data: { ...result },
      focus: { deploymentId: result.deploymentId },
      declined: !result.cancelled,
    };
  }
}

/** The handler map entry of the cancel command. */
export function cancelHandlers(cancels: CancelCommands): CommandHandlers {
  return { cancel: (input, context) => cancels.cancel(input, context) };
}
