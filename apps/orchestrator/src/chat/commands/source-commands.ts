import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { analyzeSubject, type AnalysisReport } from '#contracts';
import { MessageBus } from '#messaging';
import { DeploymentEntity } from '../../database/deployment.entity.js';
import { EventLog } from '../../deployments/event-log.service.js';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../../orchestrator.config.js';
import { WorkflowService } from '../../workflow/workflow.service.js';
import { replyButton } from '../planner/plan.js';
import type { CommandInput } from './command-catalog.js';
import type { CommandContext, CommandResult } from './command-runner.js';

/** analyze and deploy: the commands that start from a repository or folder. */
@Injectable()
export class SourceCommands {
  constructor(
    private readonly db: DataSource,
    private readonly events: EventLog,
    private readonly workflow: WorkflowService,
    private readonly bus: MessageBus,
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
  ) {}

  async deploy(input: CommandInput<'deploy'>, context: CommandContext): Promise<CommandResult> {
    const idempotencyKey = context.clientMessageId ? `${context.owner}:${context.clientMessageId}` : null;
    const repo = this.db.getRepository(DeploymentEntity);
    const id = randomUUID();
    const inserted: unknown[] = await repo
      .createQueryBuilder()
      .insert()
      .values({
        id,
        owner: context.owner,
        idempotencyKey,
        sessionId: context.sessionId,
        status: 'queued',
        stage: 'queued',
        progress: 0,
        repoUrl: input.repoUrl,
        branch: input.branch ?? null,
        appPath: input.appPath ?? null,
        target: this.config.DEFAULT_TARGET,
        sealedToken: context.sealedToken ?? null,
      })
      .orIgnore()
      .returning(['id'])
      .execute()
      .then((r) => r.raw as unknown[]);
    const deployment = inserted.length > 0 ? await repo.findOneByOrFail({ id }) : await repo.findOneByOrFail({ idempotencyKey: idempotencyKey! });
    if (inserted.length > 0) {
      const what = `${input.repoUrl}${input.branch ? ` (branch ${input.branch})` : ''}`;
      await this.events.append(deployment.id, { stage: 'queued', message: `Deployment queued: ${what} → ${deployment.target}` });
      this.workflow.start(deployment.id);
    }
    return {
      content: `Deploying **${deployment.repoUrl}**${deployment.branch ? ` (branch \`${deployment.branch}\`)` : ''} to the ${deployment.target} target. I'll stream every stage and log line here.`,
      deploymentId: deployment.id,
      data: { duplicate: inserted.length === 0, target: deployment.target },
      focus: {
        repoUrl: deployment.repoUrl,
        branch: deployment.branch ?? undefined,
        appPath: deployment.appPath ?? undefined,
        deploymentId: deployment.id,
        service: deployment.serviceName ?? undefined,
      },
    };
  }

  async analyze(input: CommandInput<'analyze'>, context: CommandContext): Promise<CommandResult> {
    const { report, commitSha } = await this.bus.request(analyzeSubject, {
      source: { repoUrl: input.repoUrl, branch: input.branch, appPath: input.appPath },
      sealedToken: context.sealedToken,
    });
    const again = `deploy ${input.repoUrl}${input.branch ? ` (branch: ${input.branch})` : ''}`;
    return {
      content: explainReport(report, commitSha),
      actions: [replyButton('Deploy it', again, 'primary')],
      data: { report, commitSha },
      focus: {
        repoUrl: input.repoUrl,
        branch: input.branch,
        appPath: input.appPath,
        analysis: {
          repoUrl: input.repoUrl,
          branch: input.branch,
          appPath: input.appPath,
          commitSha,
          language: report.language,
          framework: report.framework,
        },
      },
    };
  }
}

function explainReport(report: AnalysisReport, commitSha: string | null): string {
  const lines = [
    ...(report.explanation ? [report.explanation, ''] : []),
    `**${report.language}**${report.framework ? ` (${report.framework})` : ''}${commitSha ? ` at \`${commitSha.slice(0, 12)}\`` : ''}`,
    `- package manager: ${report.packageManager ?? 'none'}`,
    `- install: ${report.commands.install.join(' && ') || 'nothing'}`,
    `- build: ${report.commands.build.join(' && ') || 'nothing'}`,
    `- start: ${report.commands.start ?? 'unknown'}`,
    `- port: ${report.port ?? 'unknown'}${report.portFromEnv ? ' (reads PORT)' : ''}`,
    ...(report.env.length ? [`- env vars it reads: ${report.env.map((e) => `${e.name}${e.kind === 'secret' ? ' (secret)' : ''}`).join(', ')}`] : []),
    '',
    'Evidence:',
    ...report.evidence.map((e) => `- ${e.field}: ${e.reason} (\`${e.file}${e.line ? `:${e.line}` : ''}\`)`),
    ...report.warnings.map((w) => `- ⚠ ${w}`),
    '',
    'Say "deploy it" when you are ready.',
  ];
  return lines.join('\n');
}
