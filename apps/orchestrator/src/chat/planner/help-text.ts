export const HELP = [
  'I deploy apps from a repository to a live URL, and look after them once they run. Say it the way you would to a colleague:',
  '',
  '- **deploy** `https://github.com/owner/repo` (add `from the dev branch`), or **analyze** it first to see what I detect',
  "- **what's running?** for your services, **how much memory does** `<service>` **use?**, **show the logs of** `<service>`, **why did it fail?** for a diagnosis with a fix",
  '- **roll back** `<service>` (or `to <revision>`), **redeploy**, **cancel** a deployment, **stop** or **delete** a service',
  '- **set** `NAME=value` **on** `<service>`, **unset** `NAME`, **list my GitHub repos**',
  '',
  'After a deploy or an analysis, "deploy it", "roll it back" and "cancel that" mean the one we just talked about.',
].join('\n');

export const SHELL_REFUSAL = "I don't run shell commands — only ServerGem's own operations.";
