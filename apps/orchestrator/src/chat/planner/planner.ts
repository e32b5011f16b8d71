import type { CommandContext } from '../commands/command-runner.js';
import type { AgentReply } from '../plan-executor.js';
import type { HistoryEntry } from '../session/chat-session.store.js';
import type { PlannerTurn } from './plan-message.js';

export interface AgentTurn extends PlannerTurn {
  context: CommandContext;
  /** The conversation's last messages, oldest first. */
  history: HistoryEntry[];
}

/** Plain English (or a model) to a reply, acting only through the command catalog. */
export interface Planner {
  readonly name: 'deterministic' | 'gemini';
  respond(turn: AgentTurn): Promise<AgentReply>;
}

export const PLANNER = Symbol('PLANNER');
