import { parseArgs } from 'node:util';

// Each command is imported when it runs: `analyze`, `plan` and `--help` must not pay for loading
// Nest, TypeORM and the Google clients that only `up` uses.
const USAGE = `servergem — from a repository to a live URL

Usage:
  servergem up                                   start the all-in-one server (http://127.0.0.1:8000)
  servergem deploy <git-url-or-path> [options]   deploy and stream every stage and log line
      --branch <name>     the branch to deploy (default: the repository's default branch)
      --app-path <dir>    the app's folder inside the repository
      --server <url>      the ServerGem server (default: $SERVERGEM_URL or http://127.0.0.1:8000)
      --json              one JSON object per event on stdout
  servergem analyze <path> [--json] [--app-path <dir>]
                                                 what ServerGem detects in a local folder
  servergem plan <path> [--json] [--app-path <dir>]
                                                 the Dockerfile and .dockerignore it would build, linted
  servergem eval-corpus <examples-dir> <expected.json> [--json]
                                                 score the analyzer against a peer's corpus
  servergem status [--json]                      the local runtime's services: URL, state, revision
  servergem logs <service> [-f] [--tail <n>]     the app's last log lines; -f follows them
  servergem rollback <service> [--to <revision>] serve an earlier revision at the same URL
  servergem cancel <deploymentId|service> [--json]
                                                 cancel a running deployment (the service keeps its previous revision)

Environment: SERVERGEM_TOKEN (the server's access token; for a server on this machine the CLI reads
the one under SERVERGEM_HOME, default ./.servergem, by itself), SERVERGEM_URL, GITHUB_TOKEN (for
private repositories).`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      branch: { type: 'string' },
      'app-path': { type: 'string' },
      server: { type: 'string' },
      json: { type: 'boolean', default: false },
      follow: { type: 'boolean', short: 'f', default: false },
      tail: { type: 'string' },
      to: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, target] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  switch (command) {
    case 'up':
      return (await import('./commands/up.command.js')).upCommand();
    case 'deploy':
      if (!target) return usage('deploy needs a git URL or a folder');
      return (await import('./commands/deploy.command.js')).deployCommand(target, {
        branch: values.branch,
        appPath: values['app-path'],
        ...(await serverOf(values.server)),
        json: values.json ?? false,
        githubToken: process.env.GITHUB_TOKEN,
      });
    case 'analyze':
      if (!target) return usage('analyze needs a folder');
      return (await import('./commands/analyze.command.js')).analyzeCommand(target, { json: values.json ?? false, appPath: values['app-path'] });
    case 'plan':
      if (!target) return usage('plan needs a folder');
      return (await import('./commands/plan.command.js')).planCommand(target, { json: values.json ?? false, appPath: values['app-path'] });
    case 'eval-corpus': {
      const expected = positionals[2];
      if (!target || !expected) return usage('eval-corpus needs an examples folder and an expected.json');
      return (await import('./commands/eval-corpus.command.js')).evalCorpusCommand(target, expected, { json: values.json ?? false });
    }
    case 'status':
      return (await import('./commands/status.command.js')).statusCommand({ ...(await serverOf(values.server)), json: values.json ?? false });
    case 'logs': {
      if (!target) return usage('logs needs a service name');
      const tail = Number(values.tail ?? 200);
      if (!Number.isInteger(tail) || tail < 1) return usage('--tail needs a positive number');
      return (await import('./commands/logs.command.js')).logsCommand(target, { ...(await serverOf(values.server)), follow: values.follow ?? false, tail });
    }
    case 'rollback':
      if (!target) return usage('rollback needs a service name');
      return (await import('./commands/rollback.command.js')).rollbackCommand(target, {
        ...(await serverOf(values.server)),
        to: values.to,
        json: values.json ?? false,
      });
    case 'cancel':
      if (!target) return usage('cancel needs a deployment id or a service name');
      return (await import('./commands/cancel.command.js')).cancelCommand(target, { ...(await serverOf(values.server)), json: values.json ?? false });
    default:
      return usage(`unknown command "${command}"`);
  }
}

async function serverOf(option: string | undefined): Promise<{ server: string; token?: string }> {
  const server = option ?? process.env.SERVERGEM_URL ?? 'http://127.0.0.1:8000';
  const { serverToken } = await import('./commands/server-token.js');
  return { server, token: serverToken(server) };
}

function usage(problem: string): number {
  console.error(`servergem: ${problem}\n\n${USAGE}`);
  return 2;
}

let code: number;
try {
  code = await main(process.argv.slice(2));
} catch (error) {
  const { DomainError } = await import('#common');
  if (error instanceof DomainError) {
    console.error(`✖ ${error.code}: ${error.message}`);
    if (error.hint) console.error(`hint: ${error.hint}`);
  } else {
    console.error(`✖ ${error instanceof Error ? error.message : String(error)}`);
  }
  code = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
}
// Open handles (sockets, pools) must not keep a finished command alive.
process.exit(code);
