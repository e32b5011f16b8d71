import { Inject, Injectable } from '@nestjs/common';
import { restoreValues, sourceSpecSchema, type chatSubject, type RequestOf, type ResponseOf } from '#contracts';
import { DomainError, Redactor, SecretBox } from '#common';
import type { CommandContext } from './commands/command-runner.js';
import { DeploymentRedactors } from '../deployments/deployment-redactors.js';
import { DeploymentLookup } from './deployment-lookup.js';
import { PlanExecutor, type AgentReply } from './plan-executor.js';
import { maskValues } from './planner/message-parts.js';
import { PLANNER, type Planner } from './planner/planner.js';
import { applyFocus, type ChatFocus } from './session/chat-focus.js';
import { ChatSessionStore, type HistoryEntry } from './session/chat-session.store.js';

type ChatRequest = RequestOf<typeof chatSubject>;
type ChatReply = ResponseOf<typeof chatSubject>;

/** Messages of the conversation a planner sees besides the focus. */
const HISTORY = 12;

/**
 * The chat agent: reads the session back, lets the planner decide, and remembers what the
 * conversation is now about. A pressed button (`context.action` confirm/dismiss) and the UI's own
 * deploy/analyze action skip planning.
 */
@Injectable()
export class ChatService {
  constructor(
    private readonly sessions: ChatSessionStore,
    private readonly deployments: DeploymentLookup,
    private readonly executor: PlanExecutor,
    private readonly redactors: DeploymentRedactors,
    private readonly box: SecretBox,
    @Inject(PLANNER) private readonly planner: Planner,
  ) {}

  async handle(request: ChatRequest): Promise<ChatReply> {
    const session = await this.sessions.open(request.owner, request.sessionId);
    const history = await this.sessions.history(session.id, HISTORY);
    // A token pasted into the chat text as well as sent with it is kept nowhere and planned from nowhere.
    const tokenRedactor = this.redactors.fromSealed(request.context?.sealedToken);
    request = { ...request, message: tokenRedactor.redact(request.message) };
    // Stored as it came, values masked; planned from as typed, the values opened here in memory only.
    await this.sessions.remember(session.id, 'user', maskValues(request.message), {});
    const typed = this.openValues(request.context?.sealedValues);
    // A reply never repeats a typed value (short ones like "on" are words, not secrets, and stay).
    const typedRedactor = new Redactor(Object.values(typed).filter((v) => v.length >= 8));
    const redactor = { redact: (text: string) => typedRedactor.redact(tokenRedactor.redact(text)) };
    if (Object.keys(typed).length) request = { ...request, message: restoreValues(request.message, typed) };
    const focus = await this.refresh(request.owner, session.focus);
    const context: CommandContext = {
      owner: request.owner,
      sessionId: session.id,
      focus,
      sealedToken: request.context?.sealedToken,
      clientMessageId: request.clientMessageId,
      settings: request.context?.settings,
    };
    const reply = await this.respond(request, context, history);
    // A confirmation waits for the very next message only: after that, "no" and "cancel that" mean something else again.
    await this.sessions.saveFocus(session.id, applyFocus({ ...focus, pendingConfirmationId: undefined }, reply.focus));
    const metadata = { ...reply.data, intent: reply.intent, ...(reply.deploymentId ? { deploymentId: reply.deploymentId } : {}) };
    const content = redactor.redact(reply.content);
    await this.sessions.remember(session.id, 'assistant', content, metadata);
    return { sessionId: session.id, content, actions: reply.actions, metadata };
  }

  private async respond(request: ChatRequest, context: CommandContext, history: HistoryEntry[]): Promise<AgentReply> {
    const { action, actionId, repoUrl, branch, appPath } = request.context ?? {};
    if (action === 'confirm' || action === 'dismiss') {
      if (!actionId) return clarify('That button carried no confirmation id, so nothing ran.');
      return action === 'confirm' ? this.executor.confirm(actionId, context) : this.executor.dismiss(actionId, context);
    }
    if ((action === 'deploy' || action === 'analyze') && repoUrl) {
      // The UI's and the CLI's own action: the analyzer's source policy judges it, and a refusal
      // arrives as the deployment's error, as it always has, rather than as a chat question.
      const input = sourceSpecSchema.parse({ repoUrl, ...(branch ? { branch } : {}), ...(appPath ? { appPath } : {}) });
      return (await this.executor.perform({ command: action, input }, context, 'action', false)).reply;
    }
    return this.planner.respond({
      message: request.message,
      focus: context.focus,
      services: await this.deployments.serviceNames(request.owner),
      selected: repoUrl ? { repoUrl, branch, appPath } : undefined,
      context,
      history,
    });
  }

  private openValues(sealed: Record<string, string> | undefined): Record<string, string> {
    if (!sealed) return {};
    try {
      return this.box.openAll(sealed);
    } catch {
      throw new DomainError('VALIDATION_FAILED', 'A value in the message could not be read.', 'Send the message again.');
    }
  }

  /** The focused deployment as it is now: its service once analysis named it, and whether it failed. */
  private async refresh(owner: string, focus: ChatFocus): Promise<ChatFocus> {
    if (!focus.deploymentId) return focus;
    const deployment = await this.deployments.find(owner, focus.deploymentId);
    if (!deployment) return focus;
    return applyFocus(focus, {
      ...(deployment.serviceName ? { service: deployment.serviceName } : {}),
      ...(deployment.status === 'failed' ? { failedDeploymentId: deployment.id } : {}),
    });
  }
}

function clarify(content: string): AgentReply {
  return { content, actions: [], intent: { kind: 'clarify', planner: 'action' }, data: {} };
}
