import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { analyzeSubject, type AnalysisReport, type chatSubject, type RequestOf, type ResponseOf } from '#contracts';
import { DomainError } from '#common';
import { MessageBus } from '#messaging';
import { ChatMessageEntity, ChatSessionEntity } from '../database/chat.entity.js';
import { DeploymentEntity } from '../database/deployment.entity.js';
import { DeploymentRedactors } from '../deployments/deployment-redactors.js';
import { EventLog } from '../deployments/event-log.service.js';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../orchestrator.config.js';
import { WorkflowService } from '../workflow/workflow.service.js';
import { HELP, parseIntent, type Intent } from './intent.js';
import { runtimeReply } from './runtime-replies.js';

type ChatReply = ResponseOf<typeof chatSubject>;

/** The chat agent: understands what the user asks, records it, and starts the work. */
@Injectable()
export class ChatService {
  constructor(
    private readonly db: DataSource,
    private readonly events: EventLog,
    private readonly workflow: WorkflowService,
    private readonly bus: MessageBus,
    private readonly redactors: DeploymentRedactors,
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
  ) {}

  async handle(request: RequestOf<typeof chatSubject>): Promise<ChatReply> {
    const sessionId = await this.session(request.owner, request.sessionId);
    // A token pasted into the chat text as well as sent with it is not kept in the chat history.
    const redactor = this.redactors.fromSealed(request.context?.sealedToken);
    await this.remember(sessionId, 'user', redactor.redact(request.message), {});
    const intent = parseIntent(request);
    const reply =
      intent.kind === 'deploy'
        ? await this.deploy(request, sessionId, intent)
        : intent.kind === 'analyze'
          ? await this.analyze(request, intent)
          : intent.kind === 'help'
            ? { content: HELP, actions: [], metadata: {} }
            : await runtimeReply(this.bus, intent);
    const content = redactor.redact(reply.content);
    await this.remember(sessionId, 'assistant', content, reply.metadata);
    return { sessionId, ...reply, content };
  }

  private async deploy(request: RequestOf<typeof chatSubject>, sessionId: string, intent: Extract<Intent, { kind: 'deploy' }>) {
    const idempotencyKey = request.clientMessageId ? `${request.owner}:${request.clientMessageId}` : null;
    const repo = this.db.getRepository(DeploymentEntity);
    const id = randomUUID();
    const inserted: unknown[] = await repo
      .createQueryBuilder()
      .insert()
      .values({
        id,
        owner: request.owner,
        idempotencyKey,
        sessionId,
        status: 'queued',
        stage: 'queued',
        progress: 0,
        repoUrl: intent.repoUrl,
        branch: intent.branch ?? null,
        appPath: intent.appPath ?? null,
        target: this.config.DEFAULT_TARGET,
        sealedToken: request.context?.sealedToken ?? null,
      })
      .orIgnore()
      .returning(['id'])
      .execute()
      .then((r) => r.raw as unknown[]);
    const deployment = inserted.length > 0 ? await repo.findOneByOrFail({ id }) : await repo.findOneByOrFail({ idempotencyKey: idempotencyKey! });
    if (inserted.length > 0) {
      const what = `${intent.repoUrl}${intent.branch ? ` (branch ${intent.branch})` : ''}`;
      await this.events.append(deployment.id, { stage: 'queued', message: `Deployment queued: ${what} → ${deployment.target}` });
      this.workflow.start(deployment.id);
    }
    return {
      content: `Deploying **${deployment.repoUrl}**${deployment.branch ? ` (branch \`${deployment.branch}\`)` : ''} to the ${deployment.target} target. I'll stream every stage and log line here.`,
      actions: [],
      metadata: { deploymentId: deployment.id, duplicate: inserted.length === 0 },
    };
  }

  private async analyze(request: RequestOf<typeof chatSubject>, intent: Extract<Intent, { kind: 'analyze' }>) {
    const { report, commitSha } = await this.bus.request(analyzeSubject, {
      source: { repoUrl: intent.repoUrl, branch: intent.branch, appPath: intent.appPath },
      sealedToken: request.context?.sealedToken,
    });
    return { content: explain(report, commitSha), actions: [{ id: 'deploy', label: 'Deploy it', type: 'deploy' }], metadata: { report, commitSha } };
  }

  private async session(owner: string, requested: string | undefined): Promise<string> {
    const sessions = this.db.getRepository(ChatSessionEntity);
    if (requested) {
      const existing = await sessions.findOneBy({ id: requested });
      if (existing && existing.owner !== owner) throw new DomainError('FORBIDDEN', 'That chat session belongs to someone else.', 'Start a new session.');
      if (existing) return existing.id;
    }
    const id = requested ?? randomUUID();
    await sessions.insert({ id, owner });
    return id;
  }

  private async remember(sessionId: string, role: 'user' | 'assistant', content: string, metadata: Record<string, unknown>): Promise<void> {
    await this.db.getRepository(ChatMessageEntity).save({ sessionId, role, content, metadata });
  }
}

function explain(report: AnalysisReport, commitSha: string | null): string {
  const lines = [
    ...(report.explanation ? [report.explanation, ''] : []),
    `**${report.language}**${report.framework ? ` (${report.framework})` : ''}${commitSha ? ` at \`${commitSha.slice(0, 12)}\`` : ''}`,
    `- package manager: ${report.packageManager ?? 'none'}`,
    `- install: ${report.commands.install.join(' && ') || 'nothing'}`,
    `- build: ${report.commands.build.join(' && ') || 'nothing'}`,
    `- start: ${report.commands.start ?? 'unknown'}`,
    `- port: ${report.port ?? 'unknown'}${report.portFromEnv ? ' (reads PORT)' : ''}`,
    '',
    'Evidence:',
    ...report.evidence.map((e) => `- ${e.field}: ${e.reason} (\`${e.file}${e.line ? `:${e.line}` : ''}\`)`),
    ...report.warnings.map((w) => `- ⚠ ${w}`),
  ];
  return lines.join('\n');
}
