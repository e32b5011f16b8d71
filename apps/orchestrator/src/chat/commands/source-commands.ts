import { Inject, Injectable } from '@nestjs/common';
import { analyzeSubject, type AnalysisReport, type SealedSettingsChange } from '#contracts';
import { MessageBus } from '#messaging';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../../orchestrator.config.js';
import { DeploymentStarter } from '../../services/deployment-starter.js';
import { replyButton } from '../planner/plan.js';
import type { CommandInput } from './command-catalog.js';
import type { CommandContext, CommandResult } from './command-runner.js';

/** analyze and deploy: the commands that start from a repository or folder. */
@Injectable()
export class SourceCommands {
  constructor(
    private readonly starter: DeploymentStarter,
    private readonly bus: MessageBus,
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
  ) {}

  async deploy(input: CommandInput<'deploy'>, context: CommandContext): Promise<CommandResult> {
    const what = `${input.repoUrl}${input.branch ? ` (branch ${input.branch})` : ''}`;
    const { deployment, duplicate } = await this.starter.start(
      {
        owner: context.owner,
        kind: 'deploy',
        idempotencyKey: context.clientMessageId ? `${context.owner}:${context.clientMessageId}` : null,
        sessionId: context.sessionId,
        repoUrl: input.repoUrl,
        branch: input.branch ?? null,
        appPath: input.appPath ?? null,
        target: this.config.DEFAULT_TARGET,
        sealedToken: context.sealedToken ?? null,
        pendingSettings: context.settings ?? null,
      },
      `Deployment queued: ${what} → ${this.config.DEFAULT_TARGET}`,
    );
    const names = settingNames(context.settings);
    return {
      content: `Deploying **${deployment.repoUrl}**${deployment.branch ? ` (branch \`${deployment.branch}\`)` : ''} to the ${deployment.target} target${names.length ? ` with ${names.join(', ')} set` : ''}. I'll stream every stage and log line here.`,
      deploymentId: deployment.id,
      data: { duplicate, target: deployment.target, ...(names.length ? { envNames: names } : {}) },
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

/** The names a deploy's settings set: names only, never a value. */
function settingNames(settings: SealedSettingsChange | undefined): string[] {
  return [
    ...Object.keys(settings?.env ?? {}),
    ...Object.keys(settings?.buildEnv ?? {}),
    ...Object.keys(settings?.sealedSecrets ?? {}),
    ...Object.keys(settings?.sealedBuildSecrets ?? {}),
  ];
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
