import type { CommandHandlers } from './command-runner.js';
import type { FailureCommands } from './failure-commands.js';
import type { GithubCommands } from './github-commands.js';
import type { RuntimeCommands } from './runtime-commands.js';
import type { SourceCommands } from './source-commands.js';

/**
 * The commands that have a handler today (cancel has its own, `cancelHandlers`, and the service
 * operations theirs, `serviceHandlers`). apply_patch its own, `patchHandlers`). A command of the
 * catalog without a handler answers "not available yet"; nothing else changes when one is added.
 */
export function currentHandlers(source: SourceCommands, runtime: RuntimeCommands, github: GithubCommands, failures: FailureCommands): CommandHandlers {
  return {
    analyze: (input, context) => source.analyze(input, context),
    deploy: (input, context) => source.deploy(input, context),
    status: (input, context) => runtime.status(input, context),
    logs: (input, context) => runtime.logs(input, context),
    rollback: (input, context) => runtime.rollback(input, context),
    list_repos: (input, context) => github.listRepos(input, context),
    explain_failure: (input, context) => failures.explain(input, context),
  };
}
