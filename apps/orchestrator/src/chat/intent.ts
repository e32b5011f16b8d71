import type { RequestOf, chatSubject } from '#contracts';

export type Intent =
  | { kind: 'deploy'; repoUrl: string; branch?: string; appPath?: string }
  | { kind: 'analyze'; repoUrl: string; branch?: string; appPath?: string }
  | { kind: 'status' }
  | { kind: 'logs'; service: string }
  | { kind: 'rollback'; service: string; revision?: string }
  | { kind: 'help' };

const STATUS = /^\s*status\s*$/i;
const LOGS = /^\s*logs\s+([a-z][a-z0-9-]{0,48})\s*$/i;
const ROLLBACK = /^\s*roll\s*back\s+([a-z][a-z0-9-]{0,48})(?:\s+to\s+([\w-]{1,100}))?\s*$/i;
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
  if (STATUS.test(request.message)) return { kind: 'status' };
  const logs = LOGS.exec(request.message);
  if (logs) return { kind: 'logs', service: logs[1]!.toLowerCase() };
  const rollback = ROLLBACK.exec(request.message);
  if (rollback) return { kind: 'rollback', service: rollback[1]!.toLowerCase(), revision: rollback[2] };
  return { kind: 'help' };
}

export const HELP = [
  'I can deploy an app from a repository to a live URL.',
  '',
  '- **deploy** `https://github.com/owner/repo` (add `branch <name>` for another branch)',
  '- **analyze** `https://github.com/owner/repo` to see what I detect, with the evidence',
  "- **status** to list the running services, **logs** `<service>` for an app's last lines",
  '- **rollback** `<service>` (add `to <revision>`) to serve an earlier revision at the same URL',
].join('\n');
