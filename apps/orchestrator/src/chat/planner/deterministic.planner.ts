import { Injectable } from '@nestjs/common';
import { PlanExecutor, type AgentReply } from '../plan-executor.js';
import { planMessage } from './plan-message.js';
import type { AgentTurn, Planner } from './planner.js';

/** The default planner: no network, no model, the same answer for the same words and focus. */
@Injectable()
export class DeterministicPlanner implements Planner {
  readonly name = 'deterministic' as const;

  constructor(private readonly executor: PlanExecutor) {}

  respond(turn: AgentTurn): Promise<AgentReply> {
    return this.executor.execute(planMessage(turn), turn.context, 'deterministic');
  }
}
