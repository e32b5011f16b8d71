import { Inject, Injectable } from '@nestjs/common';
import type { ChatAction, SealedSettingsChange } from '#contracts';
import type { ChatFocus, FocusUpdate } from '../session/chat-focus.js';
import type { CommandCall, CommandInput, CommandName } from './command-catalog.js';
import { UnavailableCommands } from './unavailable-commands.js';

/** Who runs a command, and what the conversation is about. */
export interface CommandContext {
  owner: string;
  sessionId: string;
  focus: ChatFocus;
  /** The GitHub token, sealed by the gateway. */
  sealedToken?: string;
  /** Makes a repeated deploy message (double click, resend) the same deployment. */
  clientMessageId?: string;
  /** Settings a deploy request brought along (`--env`, `--secret`), secrets sealed. */
  settings?: SealedSettingsChange;
}

/** A change a command suggests but does not make: offered as a confirmation button. */
export interface Proposal {
  label: string;
  call: CommandCall;
}

export interface CommandResult {
  /** Markdown for the person. */
  content: string;
  actions?: ChatAction[];
  /** The structured outcome: goes into the reply's metadata, and back to the model. */
  data?: Record<string, unknown>;
  /** A deployment the chat follows from here (its events stream to the conversation). */
  deploymentId?: string;
  focus?: FocusUpdate;
  proposals?: Proposal[];
  /** Nothing ran (not available yet, or nothing to act on): the reply is a question, not a result. */
  declined?: boolean;
}

export type CommandHandler<N extends CommandName> = (input: CommandInput<N>, context: CommandContext) => Promise<CommandResult>;
export type CommandHandlers = { [N in CommandName]?: CommandHandler<N> };

/** The handlers behind the catalog; see `current-handlers.ts`. */
export const COMMAND_HANDLERS = Symbol('COMMAND_HANDLERS');

/**
 * The one way the agent acts: a validated call goes to its command's handler. A command without a
 * handler yet answers what to use instead — plugging one in is adding it to the handler map.
 */
@Injectable()
export class CommandRunner {
  constructor(
    @Inject(COMMAND_HANDLERS) private readonly handlers: CommandHandlers,
    private readonly unavailable: UnavailableCommands,
  ) {}

  isAvailable(command: CommandName): boolean {
    return this.handlers[command] !== undefined;
  }

  run(call: CommandCall, context: CommandContext): Promise<CommandResult> {
    const handler = this.handlers[call.command] as CommandHandler<CommandName> | undefined;
    if (!handler) return this.unavailable.reply(call, context);
    return handler(call.input as never, context);
  }
}
