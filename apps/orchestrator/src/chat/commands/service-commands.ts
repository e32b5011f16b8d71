import { Injectable } from '@nestjs/common';
import type { SealedSettingsChange, SettingsChange } from '#contracts';
import { SecretBox } from '#common';
import { ServiceOperations } from '../../services/service-operations.js';
import { replyButton } from '../planner/plan.js';
import type { CommandInput } from './command-catalog.js';
import type { CommandContext, CommandHandlers, CommandResult } from './command-runner.js';
import { describeChange } from './describe-call.js';
import { block, RuntimeCommands } from './runtime-commands.js';

const LOG_LINES = 50;

/**
 * The service operations in the chat — set and unset env vars, change settings, redeploy, stop,
 * delete, split traffic — through the same `ServiceOperations` as REST and the CLI, for the
 * owner's own services only. A settings change rolls out a new revision of the same build, or a
 * rebuild when it changed build-time values; a service with nothing serving yet (its deployment stopped at MISSING_ENV, say) is deployed again.
 */
@Injectable()
export class ServiceCommands {
  constructor(
    private readonly services: ServiceOperations,
    private readonly box: SecretBox,
    private readonly runtime: RuntimeCommands,
  ) {}

  /** Through the service's operation, so the service records the revision that serves now. */
  async rollback(input: CommandInput<'rollback'>, context: CommandContext): Promise<CommandResult> {
    const result = await this.services.rollback(context.owner, input.service, input.revision);
    return { content: `**${result.name}** now serves revision \`${result.revision}\` at ${result.url}.`, data: { ...result }, focus: { service: result.name } };
  }

  /** A service's app log with its secrets redacted, as over REST; a deployment's stored log is the runtime commands'. */
  async logs(input: CommandInput<'logs'>, context: CommandContext): Promise<CommandResult> {
    if (input.deploymentId || !input.service) return this.runtime.logs(input, context);
    const { lines } = await this.services.logs(context.owner, input.service, input.tail ?? LOG_LINES);
    return { content: `Last lines of **${input.service}**:\n${block(lines)}`, data: { service: input.service, lines }, focus: { service: input.service } };
  }

  setEnv(input: CommandInput<'set_env'>, context: CommandContext): Promise<CommandResult> {
    const change: SettingsChange = input.secret ? { secrets: input.env } : { env: input.env };
    const names = Object.keys(input.env);
    return this.change(input.service, change, context, `Set ${names.join(', ')}${input.secret ? ' (as secrets)' : ''} on **${input.service}**`);
  }

  unsetEnv(input: CommandInput<'unset_env'>, context: CommandContext): Promise<CommandResult> {
    return this.change(input.service, { unset: input.names }, context, `Removed ${input.names.join(', ')} from **${input.service}**`);
  }

  updateSettings(input: CommandInput<'update_settings'>, context: CommandContext): Promise<CommandResult> {
    return this.change(input.service, input.change, context, `Changed ${describeChange(input.change)} on **${input.service}**`);
  }

  async redeploy(input: CommandInput<'redeploy'>, context: CommandContext): Promise<CommandResult> {
    const result = await this.services.redeploy(context.owner, input.service, false);
    return {
      content: `Redeploying **${result.name}**${result.commitSha ? ` at commit \`${result.commitSha.slice(0, 12)}\`` : ''} with its current settings. I'll stream it here.`,
      deploymentId: result.deploymentId,
      data: { ...result },
      focus: { service: result.name, deploymentId: result.deploymentId },
    };
  }

  async stop(input: CommandInput<'stop'>, context: CommandContext): Promise<CommandResult> {
    const result = await this.services.power(context.owner, input.service, 'stop');
    return {
      content: `**${result.name}** is ${result.status}. \`redeploy ${result.name}\` or a rollback serves it again.`,
      actions: [replyButton('Redeploy it', `redeploy ${result.name}`)],
      data: { ...result },
      focus: { service: result.name },
    };
  }

  async delete(input: CommandInput<'delete'>, context: CommandContext): Promise<CommandResult> {
    const result = await this.services.delete(context.owner, input.service);
    const secrets = result.secrets.length ? ` Its secrets (${result.secrets.join(', ')}) went with it.` : '';
    return { content: `Deleted **${result.name}**: its app, revisions and settings.${secrets}`, data: { ...result }, focus: { service: undefined } };
  }

  async traffic(input: CommandInput<'traffic'>, context: CommandContext): Promise<CommandResult> {
    const result = await this.services.traffic(context.owner, input.service, input.splits);
    const split = input.splits.map((s) => `\`${s.revision}\` ${s.percent}%`).join(', ');
    return { content: `**${input.service}** now splits its traffic: ${split}.`, data: { ...result }, focus: { service: input.service } };
  }

  private async change(service: string, change: SettingsChange, context: CommandContext, done: string): Promise<CommandResult> {
    const { secrets, buildSecrets, ...rest } = change;
    // Values typed in the chat are sealed here, at once: only the sealed form goes further.
    const sealed: SealedSettingsChange = {
      ...rest,
      ...(secrets ? { sealedSecrets: this.box.sealAll(secrets) } : {}),
      ...(buildSecrets ? { sealedBuildSecrets: this.box.sealAll(buildSecrets) } : {}),
    };
    const result = await this.services.changeSettings(context.owner, service, sealed);
    const focus = { service, awaitingValues: undefined };
    const version = `settings version ${result.settings.version}`;
    if (result.changed.length === 0) {
      return { content: `${done}: nothing changed, so nothing was rolled out (${version}).`, data: { ...result }, focus };
    }
    if (result.deploymentId) {
      const how =
        result.rolloutKind === 'rebuild'
          ? `Build-time settings changed (${result.buildChanged.join(', ')}), so I am rebuilding **${service}** from the source it serves — a rebuild, not a new revision of the same build — at the same URL; I'll stream it here.`
          : `Rolling out a new revision of the same build at the same URL; I'll stream it here.`;
      return {
        content: `${done} (${version}). ${how}`,
        deploymentId: result.deploymentId,
        data: { ...result },
        focus: { ...focus, deploymentId: result.deploymentId },
      };
    }
    // Nothing serves yet to roll the change out on (the first deployment stopped before it was built): deploy it.
    const again = await this.services.redeploy(context.owner, service, false);
    return {
      content: `${done} (${version}). Nothing was serving yet, so I am deploying **${service}** again with it; I'll stream it here.`,
      deploymentId: again.deploymentId,
      data: { ...result, deploymentId: again.deploymentId },
      focus: { ...focus, deploymentId: again.deploymentId },
    };
  }
}

/** The handler map entries of the service commands. */
export function serviceHandlers(commands: ServiceCommands): CommandHandlers {
  return {
    set_env: (input, context) => commands.setEnv(input, context),
    unset_env: (input, context) => commands.unsetEnv(input, context),
    update_settings: (input, context) => commands.updateSettings(input, context),
    redeploy: (input, context) => commands.redeploy(input, context),
    stop: (input, context) => commands.stop(input, context),
    delete: (input, context) => commands.delete(input, context),
    traffic: (input, context) => commands.traffic(input, context),
    rollback: (input, context) => commands.rollback(input, context),
    logs: (input, context) => commands.logs(input, context),
  };
}
