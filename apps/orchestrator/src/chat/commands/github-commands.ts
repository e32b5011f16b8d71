import { Injectable } from '@nestjs/common';
import { githubReposSubject } from '#contracts';
import { MessageBus } from '#messaging';
import { replyButton } from '../planner/plan.js';
import type { CommandInput } from './command-catalog.js';
import type { CommandContext, CommandResult } from './command-runner.js';

/** list_repos: the repositories the user's GitHub token can see. */
@Injectable()
export class GithubCommands {
  constructor(private readonly bus: MessageBus) {}

  async listRepos(input: CommandInput<'list_repos'>, context: CommandContext): Promise<CommandResult> {
    if (!context.sealedToken) {
      return {
        content:
          'I need a GitHub token to list your repositories: add one in the UI (it travels sealed and is never stored in clear), or give me a repository URL.',
        declined: true,
      };
    }
    const { repos } = await this.bus.request(githubReposSubject, { sealedToken: context.sealedToken, query: input.query });
    if (!repos.length)
      return { content: input.query ? `None of your repositories matches \`${input.query}\`.` : 'Your token sees no repositories.', data: { repos } };
    const shown = repos.slice(0, 10);
    return {
      content: [
        `Your repositories${input.query ? ` matching \`${input.query}\`` : ''}, newest push first:`,
        ...shown.map(
          (r) => `- **${r.fullName}**${r.private ? ' (private)' : ''}${r.language ? ` — ${r.language}` : ''}${r.description ? `: ${r.description}` : ''}`,
        ),
      ].join('\n'),
      actions: shown.slice(0, 5).map((r) => replyButton(`Deploy ${r.name}`, `deploy ${r.htmlUrl} (branch: ${r.defaultBranch})`)),
      data: { repos: shown.map((r) => ({ fullName: r.fullName, defaultBranch: r.defaultBranch, private: r.private })) },
    };
  }
}
