import { Injectable } from '@nestjs/common';
import { DomainError } from '#common';
import { parseFilePatch } from '#source';
import { DeploymentStarter } from '../../services/deployment-starter.js';
import { DeploymentLookup } from '../deployment-lookup.js';
import type { CommandInput } from './command-catalog.js';
import type { CommandContext, CommandHandlers, CommandResult } from './command-runner.js';

/**
 * apply_patch: an accepted file fix. The user's repository or folder is never written to: the
 * patch travels with a new deployment of the same service, at the same commit, and each step
 * applies it to its own copy of the source (the analyzer's, the build's release folder), checked
 * there against the real files (paths, symlinks, context, size). The service keeps the patch for
 * its redeploys until its source has it.
 */
@Injectable()
export class PatchCommands {
  constructor(
    private readonly deployments: DeploymentLookup,
    private readonly starter: DeploymentStarter,
  ) {}

  async apply(input: CommandInput<'apply_patch'>, context: CommandContext): Promise<CommandResult> {
    const basis = await this.deployments.find(context.owner, input.deploymentId);
    if (!basis) throw new DomainError('NOT_FOUND', `There is no deployment ${input.deploymentId}.`, 'Ask "status" for your recent deployments.');
    // Refused here already when it is malformed, so nothing starts for a patch no step would take.
    const parsed = parseFilePatch(input);
    const patches = [...(basis.patches ?? []).filter((p) => p.file !== parsed.file), { file: parsed.file, diff: input.diff }];
    const name = basis.serviceName ?? basis.repoUrl;
    const { deployment } = await this.starter.start(
      {
        owner: context.owner,
        kind: 'redeploy',
        sessionId: context.sessionId,
        repoUrl: basis.repoUrl,
        branch: basis.branch,
        appPath: basis.appPath,
        target: basis.target,
        sealedToken: basis.sealedToken,
        serviceId: basis.serviceId,
        serviceName: basis.serviceName,
        // The patch was made against this commit; a folder has none and is copied as it is now.
        commitSha: basis.commitSha,
        patches,
      },
      `Deploying ${name} again with a patch of ${parsed.file}${basis.commitSha ? ` on commit ${basis.commitSha.slice(0, 12)}` : ''}`,
    );
    const where = basis.commitSha
      ? `the repository is untouched: this release builds from commit \`${basis.commitSha.slice(0, 12)}\` plus the patch`
      : `your folder \`${basis.repoUrl}\` is untouched: this release builds from a copy of it with the patch applied`;
    return {
      content:
        `Applying the patch to \`${parsed.file}\` and deploying **${name}** again; ${where}. ` +
        `Later redeploys of ${basis.serviceName ? `**${basis.serviceName}**` : 'this service'} keep it; commit the diff to make it part of your source. I'll stream the deployment here.`,
      deploymentId: deployment.id,
      data: { deploymentId: deployment.id, file: parsed.file, patchedFrom: basis.id, commitSha: basis.commitSha },
      focus: { deploymentId: deployment.id, ...(basis.serviceName ? { service: basis.serviceName } : {}) },
    };
  }
}

/** The handler map entry of apply_patch. */
export function patchHandlers(commands: PatchCommands): CommandHandlers {
  return { apply_patch: (input, context) => commands.apply(input, context) };
}
