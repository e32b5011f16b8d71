import type { Provider } from '@nestjs/common';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../orchestrator.config.js';
import { ChatService } from './chat.service.js';
import { CancelCommands, cancelHandlers } from './commands/cancel-commands.js';
import { COMMAND_HANDLERS, CommandRunner } from './commands/command-runner.js';
import { currentHandlers } from './commands/current-handlers.js';
import { FailureCommands } from './commands/failure-commands.js';
import { GithubCommands } from './commands/github-commands.js';
import { PatchCommands, patchHandlers } from './commands/patch-commands.js';
import { RuntimeCommands } from './commands/runtime-commands.js';
import { ServiceCommands, serviceHandlers } from './commands/service-commands.js';
import { SourceCommands } from './commands/source-commands.js';
import { UnavailableCommands } from './commands/unavailable-commands.js';
import { DeploymentLookup } from './deployment-lookup.js';
import { geminiSettings } from './gemini/gemini-settings.js';
import { GeminiPlanner } from './gemini/gemini.planner.js';
import { PlanExecutor } from './plan-executor.js';
import { DeterministicPlanner } from './planner/deterministic.planner.js';
import { PLANNER } from './planner/planner.js';
import { ChatSessionStore } from './session/chat-session.store.js';
import { ConfirmationStore } from './session/confirmation.store.js';

/** The chat agent's parts, for the orchestrator's module. */
export const CHAT_PROVIDERS: Provider[] = [
  ChatSessionStore,
  ConfirmationStore,
  DeploymentLookup,
  UnavailableCommands,
  SourceCommands,
  RuntimeCommands,
  GithubCommands,
  FailureCommands,
  CancelCommands,
  ServiceCommands,
  PatchCommands,
  {
    provide: COMMAND_HANDLERS,
    useFactory: (
      source: SourceCommands,
      runtime: RuntimeCommands,
      github: GithubCommands,
      failures: FailureCommands,
      cancels: CancelCommands,
      services: ServiceCommands,
      patches: PatchCommands,
    ) => ({
      ...currentHandlers(source, runtime, github, failures),
      ...cancelHandlers(cancels),
      ...serviceHandlers(services),
      ...patchHandlers(patches),
    }),
    inject: [SourceCommands, RuntimeCommands, GithubCommands, FailureCommands, CancelCommands, ServiceCommands, PatchCommands],
  },
  CommandRunner,
  PlanExecutor,
  DeterministicPlanner,
  {
    provide: PLANNER,
    // Gemini when a key or Vertex AI is configured; the deterministic planner otherwise, and as its fallback.
    useFactory: (config: OrchestratorConfig, deterministic: DeterministicPlanner, executor: PlanExecutor) => {
      const settings = geminiSettings(config);
      return settings ? new GeminiPlanner(settings, executor, deterministic) : deterministic;
    },
    inject: [ORCHESTRATOR_CONFIG, DeterministicPlanner, PlanExecutor],
  },
  ChatService,
];
