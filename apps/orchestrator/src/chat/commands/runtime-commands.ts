import { Injectable } from '@nestjs/common';
import {
  formatBytes,
  formatCpuSeconds,
  formatDuration,
  listServicesSubject,
  rollbackSubject,
  serviceLogsSubject,
  serviceStateSubject,
  type CloudRunLimits,
  type ServiceSummary,
} from '#contracts';
import { DomainError } from '#common';
import { MessageBus } from '#messaging';
import { cloudRunLimits } from '../../services/service-usage.js';
import { ServicesRepository } from '../../services/services.repository.js';
import type { DeploymentEntity } from '../../database/deployment.entity.js';
import { DeploymentLookup } from '../deployment-lookup.js';
import { diagnose } from '../diagnosis/diagnose.js';
import { failureFacts } from '../diagnosis/failure-facts.js';
import { replyButton } from '../planner/plan.js';
import type { CommandInput } from './command-catalog.js';
import type { CommandContext, CommandResult } from './command-runner.js';

const LOG_LINES = 50;

/** status, logs and rollback over the deployer's runtime, limited to the owner's own services. */
@Injectable()
export class RuntimeCommands {
  constructor(
    private readonly bus: MessageBus,
    private readonly deployments: DeploymentLookup,
    private readonly services: ServicesRepository,
  ) {}

  async status(input: CommandInput<'status'>, context: CommandContext): Promise<CommandResult> {
    if (input.service) await this.deployments.requireService(context.owner, input.service);
    const targets = await this.deployments.serviceTargets(context.owner);
    const wanted = (name: string) => !input.service || name === input.service;
    const { services: all } = await this.bus.request(listServicesSubject, {});
    const services = all.filter((s) => targets.get(s.name) === 'local' && wanted(s.name));
    const cloud = [...targets].filter(([name, target]) => target === 'cloudrun' && wanted(name)).slice(0, 10);
    const cloudRun = await Promise.all(cloud.map(([name]) => this.cloudRunLine(context.owner, name)));
    const recent = (await this.deployments.recent(context.owner, 10)).filter((d) => !input.service || d.serviceName === input.service);
    const running = recent.filter((d) => d.status === 'queued' || d.status === 'running');
    const failed = recent.find((d) => d.status === 'failed');
    const rows = [...services.map((s) => serviceLine(s, input.service !== undefined)), ...cloudRun.map((c) => c.line)];
    const lines: string[] = rows.length ? rows : [input.service ? `**${input.service}** is not running.` : 'No services yet. Deploy one and it shows up here.'];
    if (running.length) lines.push('', 'In progress:', ...running.map((d) => `- ${label(d)}: ${d.stage} (${d.progress}%)`));
    const actions = [];
    if (failed && recent.indexOf(failed) === 0) {
      const [cause] = diagnose(failureFacts(failed, await this.deployments.events(failed.id)));
      lines.push(
        '',
        `The latest deployment, ${label(failed)}, failed: ${failed.errorMessage ?? 'no message'}${cause ? ` — likely cause: ${cause.title}.` : ''}`,
      );
      actions.push(replyButton('Why did it fail?', `why did deployment ${failed.id} fail?`, 'primary'));
    }
    return {
      content: lines.join('\n'),
      actions,
      data: {
        services,
        // Cloud Run measures no usage without Cloud Monitoring: the limits stand in, never invented numbers.
        cloudRun: cloudRun.map(({ name, limits }) => ({ name, limits, usage: 'not measured on Cloud Run' })),
        deployments: recent.slice(0, 5).map((d) => ({ id: d.id, status: d.status, stage: d.stage, service: d.serviceName, repoUrl: d.repoUrl })),
      },
      focus: input.service ? { service: input.service } : {},
    };
  }

  /** A Cloud Run service as the deployer reports it now, with its limits; its error, if it cannot, is the line. */
  private async cloudRunLine(owner: string, name: string): Promise<{ name: string; line: string; limits: CloudRunLimits | null }> {
    const row = await this.services.findOwned(owner, name);
    const limits = row ? cloudRunLimits(await this.services.settings(row)) : null;
    try {
      const state = await this.bus.request(serviceStateSubject, { name, target: 'cloudrun' });
      const status = state.stopped ? 'stopped' : state.ready.state === 'ready' ? 'running' : state.ready.state;
      const revision = state.latestReadyRevision ? ` (revision \`${state.latestReadyRevision}\`)` : '';
      const why = state.ready.state === 'failed' && state.ready.message ? `: ${state.ready.message}` : '';
      return { name, limits, line: `- **${name}** ${status} at ${state.url}${revision} on Cloud Run${why}${limitsText(limits)}` };
    } catch (error) {
      return { name, limits, line: `- **${name}** on Cloud Run: ${DomainError.from(error).message}` };
    }
  }

  async logs(input: CommandInput<'logs'>, context: CommandContext): Promise<CommandResult> {
    if (input.deploymentId) {
      const deployment = await this.deployments.find(context.owner, input.deploymentId);
      if (!deployment) return { content: `There is no deployment ${input.deploymentId}.`, declined: true };
      const lines = (await this.deployments.events(deployment.id)).flatMap((e) => (e.logs.length ? e.logs : e.message ? [`▸ ${e.message}`] : []));
      const tail = lines.slice(-(input.tail ?? LOG_LINES));
      return {
        content: `Last lines of deployment \`${deployment.id.slice(0, 8)}\` (${deployment.status}):\n${block(tail)}`,
        data: { deploymentId: deployment.id, lines: tail },
        focus: { deploymentId: deployment.id, ...(deployment.serviceName ? { service: deployment.serviceName } : {}) },
      };
    }
    const name = input.service!;
    const { target } = await this.deployments.requireService(context.owner, name);
    const { lines } = await this.bus.request(serviceLogsSubject, { name, target, tail: input.tail ?? LOG_LINES });
    return { content: `Last lines of **${name}**:\n${block(lines)}`, data: { service: name, lines }, focus: { service: name } };
  }

  async rollback(input: CommandInput<'rollback'>, context: CommandContext): Promise<CommandResult> {
    const { target } = await this.deployments.requireService(context.owner, input.service);
    const result = await this.bus.request(rollbackSubject, { name: input.service, target, revision: input.revision });
    return {
      content: `**${result.name}** now serves revision \`${result.revision}\` at ${result.url}.`,
      data: { ...result },
      focus: { service: result.name },
    };
  }
}

function serviceLine(s: ServiceSummary, named: boolean): string {
  return `- **${s.name}** ${s.status} at ${s.url}${s.revision ? ` (revision \`${s.revision.slice(0, 8)}\`)` : ''}${s.restarts ? `, ${s.restarts} restarts` : ''}${usageText(s, named)}`;
}

/** What a running local app uses now; a service asked about by name that is not running uses nothing. */
function usageText(s: ServiceSummary, named: boolean): string {
  if (s.status !== 'running') return named ? ' — not running, so it uses no memory or CPU now' : '';
  if (s.memoryBytes == null || s.cpuSeconds == null) return ' — its memory and CPU could not be read';
  const processes = s.processes ? `, ${s.processes} ${s.processes === 1 ? 'process' : 'processes'}` : '';
  const up = s.uptimeSeconds != null ? `, up ${formatDuration(s.uptimeSeconds)}` : '';
  return ` — ${formatBytes(s.memoryBytes)} memory, ${formatCpuSeconds(s.cpuSeconds)} CPU time${processes}${up}`;
}

/** Cloud Run measures no usage here: the limits each instance has, from the service's settings. */
function limitsText(limits: CloudRunLimits | null): string {
  const cpu = limits?.cpu ? `${limits.cpu} vCPU` : 'the default vCPU';
  const memory = limits?.memory ?? 'the default memory';
  return ` — limits ${cpu} and ${memory} per instance; usage is not measured on Cloud Run (it needs Cloud Monitoring)`;
}

function label(d: DeploymentEntity): string {
  return `${d.serviceName ? `**${d.serviceName}**` : d.repoUrl} (\`${d.id.slice(0, 8)}\`)`;
}

/** Log lines as a code block that no line can close early. */
export function block(lines: readonly string[]): string {
  return lines.length ? ['```', ...lines.map((l) => l.replaceAll('```', "'''")), '```'].join('\n') : '_no log lines yet_';
}
