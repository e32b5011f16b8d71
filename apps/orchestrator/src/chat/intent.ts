import type { RequestOf, chatSubject } from '#contracts';

export type Intent =
  | { kind: 'deploy'; repoUrl: string; branch?: string; appPath?: string }
  | { kind: 'analyze'; repoUrl: string; branch?: string; appPath?: string }
  | { kind: 'help' };

const COMMAND = /^\s*(deploy|analy[sz]e)\s+(\S+)(?:\s+(?:--branch[= ]|branch\s+)(\S+))?\s*$/i;

/** What the user wants: the UI's explicit action first, then a typed command. */
export function parseIntent(request: RequestOf<typeof chatSubject>): Intent {
  const context = request.context ?? {};
  const action = context.action;
  if ((action === 'deploy' || action === 'analyze') && context.repoUrl) {
    return { kind: action, repoUrl: context.repoUrl, branch: context.branch, appPath: context.appPath };
  }
  const match = COMMAND.exec(request.message);
  if (match) {
    const kind = match[1]!.toLowerCase() === 'deploy' ? 'deploy' : 'analyze';
    return { kind, repoUrl: match[2]!, branch: match[3] ?? context.branch, appPath: context.appPath };
  }
  return { kind: 'help' };
}

export const HELP = [
  'I can deploy an app from a repository to a live URL.',
  '',
  '- **deploy** `https://github.com/owner/repo` (add `branch <name>` for another branch)',
  '- **analyze** `https://github.com/owner/repo` to see what I detect, with the evidence',
].join('\n');
