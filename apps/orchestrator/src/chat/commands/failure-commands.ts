import { Injectable } from '@nestjs/common';
import type { ChatAction, Diagnosis } from '#contracts';
import { DomainError } from '#common';
import type { DeploymentEntity } from '../../database/deployment.entity.js';
import { DeploymentLookup } from '../deployment-lookup.js';
import { diagnose } from '../diagnosis/diagnose.js';
import { failureFacts } from '../diagnosis/failure-facts.js';
import type { CommandInput } from './command-catalog.js';
import type { CommandContext, CommandResult, Proposal } from './command-runner.js';
import { block } from './runtime-commands.js';

/** explain_failure: a failed deployment's real log tail and analysis, through the diagnosis rules, with fixes offered. */
@Injectable()
export class FailureCommands {
  constructor(private readonly deployments: DeploymentLookup) {}

  async explain(input: CommandInput<'explain_failure'>, context: CommandContext): Promise<CommandResult> {
    const deployment = await this.pick(input, context);
    if (!deployment) {
      return { content: input.service ? `No deployment of **${input.service}** has failed.` : 'None of your deployments has failed.', data: { failed: false } };
    }
    const name = deployment.serviceName ? `**${deployment.serviceName}**` : deployment.repoUrl;
    if (deployment.status === 'queued' || deployment.status === 'running') {
      return {
        content: `Deployment \`${deployment.id.slice(0, 8)}\` of ${name} has not failed: it is ${deployment.stage} (${deployment.progress}%). I'll stream it here.`,
        deploymentId: deployment.id,
        data: { failed: false, status: deployment.status },
      };
    }
    if (deployment.status !== 'failed') {
      return {
        content: `Deployment \`${deployment.id.slice(0, 8)}\` of ${name} did not fail: it ${deployment.status === 'live' ? `went live${deployment.url ? ` at ${deployment.url}` : ''}` : `was ${deployment.status}`}.`,
        data: { failed: false, status: deployment.status },
      };
    }
    const facts = failureFacts(deployment, await this.deployments.events(deployment.id));
    const lines = facts.lines;
    const diagnoses = diagnose(facts);
    const service = deployment.serviceName ?? undefined;
    const header = `Deployment \`${deployment.id.slice(0, 8)}\` of ${name} failed at **${facts.error?.stage ?? deployment.stage}**: ${deployment.errorMessage ?? 'no message was recorded'}`;
    const focus = { failedDeploymentId: deployment.id, deploymentId: deployment.id, ...(service ? { service } : {}) };
    if (!diagnoses.length) {
      return {
        content: [
          header,
          '',
          'None of my rules matches this failure, so here are its last lines and the hint it came with:',
          block(lines.slice(-20)),
          '',
          deployment.errorHint ?? '',
        ].join('\n'),
        data: { deploymentId: deployment.id, diagnoses, error: facts.error },
        focus,
      };
    }
    const proposals: Proposal[] = [];
    const actions: ChatAction[] = [];
    const needed = new Set<string>();
    for (const d of diagnoses) {
      if (d.fix?.needsValues) d.fix.needsValues.forEach((n) => needed.add(n));
      if (d.fix?.settings && service)
        proposals.push({ label: `Apply fix: ${d.fix.summary}`, call: { command: 'update_settings', input: { service, change: d.fix.settings } } });
      if (d.fix?.patch)
        proposals.push({
          label: `Apply patch to ${d.fix.patch.file}`,
          call: { command: 'apply_patch', input: { deploymentId: deployment.id, ...d.fix.patch } },
        });
    }
    if (needed.size && service) {
      const names = [...needed];
      actions.push({
        id: `prompt:${names.join(',')}`,
        label: `Set ${names.join(', ')}…`,
        type: 'prompt',
        message: `set ${names.map((n) => `${n}=`).join(' ')} on ${service}`,
        style: 'primary',
      });
    }
    return {
      content: [
        header,
        '',
        ...diagnoses.flatMap(render),
        ...(needed.size && service
          ? [`Reply with \`${[...needed].map((n) => `${n}=…`).join(' ')}\` and I will set ${needed.size > 1 ? 'them' : 'it'} on **${service}** and redeploy.`]
          : []),
      ].join('\n'),
      actions,
      proposals,
      data: { deploymentId: deployment.id, diagnoses, error: facts.error },
      focus: { ...focus, ...(needed.size && service ? { awaitingValues: { service, names: [...needed] } } : {}) },
    };
  }

  private async pick(input: CommandInput<'explain_failure'>, context: CommandContext): Promise<DeploymentEntity | null> {
    if (input.deploymentId) {
      const named = await this.deployments.find(context.owner, input.deploymentId);
      if (!named) throw new DomainError('NOT_FOUND', `There is no deployment ${input.deploymentId}.`, 'Ask "status" for your recent deployments.');
      return named;
    }
    if (!input.service) {
      for (const id of [context.focus.failedDeploymentId, context.focus.deploymentId]) {
        const focused = id ? await this.deployments.find(context.owner, id) : null;
        if (focused && focused.status !== 'live') return focused;
      }
    }
    return this.deployments.latest(context.owner, { service: input.service, status: ['failed'] });
  }
}

function render(d: Diagnosis): string[] {
  return [
    `### ${d.title}`,
    d.explanation,
    '',
    'Evidence from the log:',
    block(d.evidence),
    ...(d.fix ? ['', `**Proposed fix:** ${d.fix.summary}`] : []),
    ...(d.fix?.patch ? ['```diff', d.fix.patch.diff.trimEnd(), '```'] : []),
    '',
  ];
}
