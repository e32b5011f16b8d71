import { Injectable, Logger } from '@nestjs/common';
import type { ChatAction, ChatIntent } from '#contracts';
import { DomainError } from '#common';
import { COMMANDS, type CommandCall } from './commands/command-catalog.js';
import { CommandRunner, type CommandContext, type CommandResult, type Proposal } from './commands/command-runner.js';
import { describeCall } from './commands/describe-call.js';
import { intentOfCall, type Plan } from './planner/plan.js';
import type { FocusUpdate } from './session/chat-focus.js';
import { ConfirmationStore } from './session/confirmation.store.js';

export type PlannerName = 'deterministic' | 'gemini' | 'action';

/** One reply of the agent, before it is stored and sent. */
export interface AgentReply {
  content: string;
  actions: ChatAction[];
  intent: ChatIntent;
  data: Record<string, unknown>;
  /** A deployment the chat follows from here. */
  deploymentId?: string;
  focus?: FocusUpdate;
}

/** What happened to one call, for a planner that keeps going (the model reads `outcome`). */
export interface CallOutcome {
  reply: AgentReply;
  /** `needs_user`: only the user can give what it needs (an env value typed by them). */
  status: 'ran' | 'needs_confirmation' | 'needs_user' | 'not_available' | 'failed';
}

/**
 * Carries out plans: a destructive call (or a settings change nobody typed) becomes a
 * confirmation button; anything else runs through the command runner; a pressed button runs its
 * plan once. Every reply says what was understood.
 */
@Injectable()
export class PlanExecutor {
  private readonly logger = new Logger(PlanExecutor.name);

  constructor(
    private readonly runner: CommandRunner,
    private readonly confirmations: ConfirmationStore,
  ) {}

  async execute(plan: Plan, context: CommandContext, planner: PlannerName): Promise<AgentReply> {
    switch (plan.type) {
      case 'reply':
        return { content: plan.content, actions: plan.actions, intent: { ...plan.intent, planner }, data: {} };
      case 'pending':
        return plan.decision === 'dismiss' ? this.dismiss(context.focus.pendingConfirmationId, context) : this.remind(context);
      case 'call':
        return (await this.perform(plan.call, context, planner, false)).reply;
    }
  }

  /** Runs a call, or offers it for confirmation; `proposed`: the model (not the user) chose this change. */
  async perform(call: CommandCall, context: CommandContext, planner: PlannerName, proposed: boolean): Promise<CallOutcome> {
    const definition = COMMANDS[call.command];
    const intent = { ...intentOfCall(call), planner };
    // A command with no handler yet runs nothing either way: say so now rather than after a button.
    const available = this.runner.isAvailable(call.command);
    if (available && proposed && carriesValues(call)) return { status: 'needs_user', reply: askForValues(call, intent) };
    if (available && (definition.destructive || (proposed && definition.changesSettings))) {
      return { status: 'needs_confirmation', reply: await this.offer(call, intent, context) };
    }
    return this.run(call, intent, context);
  }

  async confirm(actionId: string, context: CommandContext): Promise<AgentReply> {
    const claim = await this.confirmations.claim(actionId, context.owner);
    const cleared = context.focus.pendingConfirmationId === actionId ? { pendingConfirmationId: undefined } : {};
    switch (claim.state) {
      case 'claimed': {
        const outcome = await this.run(claim.call, { ...claim.intent, planner: 'action', confirmation: 'confirmed' }, context);
        await this.confirmations.finish(actionId, { deploymentId: outcome.reply.deploymentId ?? null, content: outcome.reply.content.slice(0, 2000) });
        return { ...outcome.reply, focus: { ...outcome.reply.focus, ...cleared } };
      }
      case 'done': {
        const deploymentId = typeof claim.result?.deploymentId === 'string' ? claim.result.deploymentId : undefined;
        return {
          content: `That was already confirmed and done once; I did not run it again.${typeof claim.result?.content === 'string' ? `\n\n${claim.result.content}` : ''}`,
          actions: [],
          intent: { ...claim.intent, planner: 'action', confirmation: 'confirmed' },
          data: { repeated: true },
          ...(deploymentId ? { deploymentId } : {}),
          focus: cleared,
        };
      }
      case 'expired':
        return this.clarify('That confirmation has expired, so nothing ran. Ask again and I will offer a fresh one.', cleared);
      case 'dismissed':
        return { content: 'You dismissed that one, so nothing ran.', actions: [], intent: { kind: 'dismiss', planner: 'action' }, data: {}, focus: cleared };
      case 'missing':
        return this.clarify('I have no such confirmation for you, so nothing ran.', cleared);
    }
  }

  async dismiss(actionId: string | undefined, context: CommandContext): Promise<AgentReply> {
    const dismissed = actionId ? await this.confirmations.dismiss(actionId, context.owner) : false;
    return {
      content: dismissed ? 'Okay, I will not do that.' : 'There was nothing waiting for a confirmation.',
      actions: [],
      intent: { kind: 'dismiss', planner: 'action' },
      data: {},
      focus: { pendingConfirmationId: undefined },
    };
  }

  private remind(context: CommandContext): AgentReply {
    return this.clarify(
      'To go ahead, press **Confirm** on the message above: I only run changes like that from the button, so a stray "yes" can never trigger one.',
      { pendingConfirmationId: context.focus.pendingConfirmationId },
    );
  }

  private clarify(content: string, focus: FocusUpdate = {}): AgentReply {
    return { content, actions: [], intent: { kind: 'clarify', planner: 'action' }, data: {}, focus };
  }

  private async offer(call: CommandCall, intent: ChatIntent, context: CommandContext): Promise<AgentReply> {
    const required = { ...intent, confirmation: 'required' as const };
    const { id, expiresAt } = await this.confirmations.create(context.sessionId, context.owner, call, required);
    return {
      content: `${describeCall(call)}?\n\nThis needs your confirmation: press **Confirm** to go ahead (the button works for 15 minutes).`,
      actions: confirmButtons(id, expiresAt, call.command === 'delete' || call.command === 'stop' || call.command === 'rollback' ? 'danger' : 'primary'),
      intent: required,
      data: { confirmationId: id },
      focus: { pendingConfirmationId: id },
    };
  }

  private async run(call: CommandCall, intent: ChatIntent, context: CommandContext): Promise<CallOutcome> {
    let result: CommandResult;
    try {
      result = await this.runner.run(call, context);
    } catch (error) {
      const domain = DomainError.from(error);
      if (domain.code === 'INTERNAL') this.logger.error(`${call.command} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      const text = domain.code === 'INTERNAL' ? 'Something went wrong on my side while doing that; it has been logged.' : domain.message;
      return {
        status: 'failed',
        reply: {
          content: `${text}${domain.hint && domain.code !== 'INTERNAL' ? `\n\n${domain.hint}` : ''}`,
          actions: [],
          intent,
          data: { error: { code: domain.code, message: text, hint: domain.hint } },
        },
      };
    }
    const offered = await this.offerProposals(result.proposals ?? [], context);
    const reply: AgentReply = {
      content: result.content,
      actions: [...(result.actions ?? []), ...offered.actions],
      intent,
      data: result.data ?? {},
      ...(result.deploymentId ? { deploymentId: result.deploymentId } : {}),
      focus: { ...result.focus, ...offered.focus },
    };
    if (result.declined && this.runner.isAvailable(call.command)) return { status: 'failed', reply };
    return { status: result.declined ? 'not_available' : 'ran', reply };
  }

  /** Each proposed fix becomes its own confirmation button. */
  private async offerProposals(proposals: readonly Proposal[], context: CommandContext): Promise<{ actions: ChatAction[]; focus: FocusUpdate }> {
    const actions: ChatAction[] = [];
    let last: string | undefined;
    for (const proposal of proposals.slice(0, 3)) {
      const intent: ChatIntent = { ...intentOfCall(proposal.call), planner: 'action', confirmation: 'required' };
      const { id, expiresAt } = await this.confirmations.create(context.sessionId, context.owner, proposal.call, intent);
      actions.push({ id, label: proposal.label, type: 'confirm', style: 'primary', expiresAt: expiresAt.toISOString() });
      last = id;
    }
    return { actions, focus: last ? { pendingConfirmationId: last } : {} };
  }
}

function confirmButtons(id: string, expiresAt: Date, style: 'primary' | 'danger'): ChatAction[] {
  return [
    { id, label: 'Confirm', type: 'confirm', style, expiresAt: expiresAt.toISOString() },
    { id, label: 'Cancel', type: 'dismiss', style: 'secondary' },
  ];
}

/** Env values in a call the model made up: a button would have to keep them, so the user types them instead. */
function carriesValues(call: CommandCall): boolean {
  if (call.command === 'set_env') return true;
  if (call.command !== 'update_settings') return false;
  const { env, buildEnv, secrets } = call.input.change;
  return [env, buildEnv, secrets].some((map) => map !== undefined && Object.keys(map).length > 0);
}

function askForValues(call: CommandCall, intent: ChatIntent): AgentReply {
  const input = call.input as { service?: string; env?: Record<string, string>; change?: { env?: object; buildEnv?: object; secrets?: object } };
  const names = Object.keys(input.env ?? { ...input.change?.env, ...input.change?.buildEnv, ...input.change?.secrets });
  const example = `${names.map((n) => `${n}=…`).join(' ')}${input.service ? ` on ${input.service}` : ''}`;
  return {
    content: `To set ${names.join(', ')}, type \`${example}\` yourself: values you type go straight to the service, and I never keep them in a button.`,
    actions: [
      {
        id: `prompt:${names.join(',')}`,
        label: `Set ${names.join(', ')}…`,
        type: 'prompt',
        message: `set ${names.map((n) => `${n}=`).join(' ')}${input.service ? ` on ${input.service}` : ''}`,
        style: 'primary',
      },
    ],
    intent: { ...intent, kind: 'clarify' },
    data: {},
  };
}
