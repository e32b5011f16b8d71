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
      --env NAME=VALUE    a variable of the service (repeatable)
      --env-file <file>   variables from a .env file (repeatable; --env wins)
      --secret NAME=VALUE a secret of the service: sealed, write-only, masked everywhere (repeatable)
      --build-env NAME=VALUE  a build-time variable (repeatable; not for secrets)
      --build-secret NAME=VALUE  a build-time secret: sealed, write-only, never an ARG or ENV (repeatable)
      --json              one JSON object per event on stdout
  servergem analyze <path> [--json] [--app-path <dir>]
                                                 what ServerGem detects in a local folder
  servergem plan <path> [--json] [--app-path <dir>]
                                                 the Dockerfile and .dockerignore it would build, linted
  servergem eval-corpus <examples-dir> <expected.json> [--json]
                                                 score the analyzer against a peer's corpus
  servergem services [--json]                    your services: target, URL, state, revision, last deploy
  servergem status [--json]                      your services as the runtime sees them: URL, state, pid,
                                                 and the memory and CPU time a running local app uses
  servergem env list <service>                   its variables (secrets masked)
  servergem env set <service> NAME=VALUE… [--secret] [--build]
                                                 set them: a new revision of the same build; --build (a
                                                 build-time variable) or --secret --build (a build-time
                                                 secret) rebuilds it from the commit it serves
  servergem env unset <service> NAME…            remove them (a rebuild when one is build-time)
  servergem redeploy <service> [--latest]        deploy again: the same commit, or the branch's newest
  servergem revisions <service>                  its revisions, newest first
  servergem logs <service> [-f] [--tail <n>]     the app's last log lines; -f follows them
  servergem rollback <service> [--to <revision>] serve an earlier revision at the same URL
  servergem cancel <deploymentId|service> [--json]
                                                 cancel a running deployment (the service keeps its previous revision)
  servergem traffic <service> <revision>=<percent>…
                                                 split a Cloud Run service's traffic
  servergem stop|start <service>                 stop it (URL, revisions, settings stay) or start it again
  servergem delete <service>                     delete it: app, revisions, settings, secrets

Environment: SERVERGEM_TOKEN (the server's access token; for a server on this machine the CLI reads
the one under SERVERGEM_HOME, default ./.servergem, by itself), SERVERGEM_URL, GITHUB_TOKEN (for
private repositories).`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'env') return envMain(argv.slice(1));
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
      env: { type: 'string', multiple: true },
      'env-file': { type: 'string', multiple: true },
      secret: { type: 'string', multiple: true },
      'build-env': { type: 'string', multiple: true },
      'build-secret': { type: 'string', multiple: true },
      latest: { type: 'boolean', default: false },
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
    case 'deploy': {
      if (!target) return usage('deploy needs a git URL or a folder');
      const { assignments, readEnvFile } = await import('./commands/env-args.js');
      const fromFiles = Object.assign({}, ...(values['env-file'] ?? []).map((file) => readEnvFile(file))) as Record<string, string>;
      return (await import('./commands/deploy.command.js')).deployCommand(target, {
        branch: values.branch,
        appPath: values['app-path'],
        ...(await serverOf(values.server)),
        json: values.json ?? false,
        githubToken: process.env.GITHUB_TOKEN,
        env: { ...fromFiles, ...assignments(values.env, '--env') },
        secrets: assignments(values.secret, '--secret'),
        buildEnv: assignments(values['build-env'], '--build-env'),
        buildSecrets: assignments(values['build-secret'], '--build-secret'),
      });
    }
    case 'services':
      return (await import('./commands/services.command.js')).servicesCommand({ ...(await serverOf(values.server)), json: values.json ?? false });
    case 'redeploy':
      if (!target) return usage('redeploy needs a service name');
      return (await import('./commands/services.command.js')).redeployCommand(target, {
        ...(await serverOf(values.server)),
        json: values.json ?? false,
        latest: values.latest ?? false,
      });
    case 'revisions':
      if (!target) return usage('revisions needs a service name');
      return (await import('./commands/services.command.js')).revisionsCommand(target, { ...(await serverOf(values.server)), json: values.json ?? false });
    case 'stop':
    case 'start':
      if (!target) return usage(`${command} needs a service name`);
      return (await import('./commands/services.command.js')).powerCommand(target, command, { ...(await serverOf(values.server)), json: values.json ?? false });
    case 'delete':
      if (!target) return usage('delete needs a service name');
      return (await import('./commands/services.command.js')).deleteCommand(target, { ...(await serverOf(values.server)), json: values.json ?? false });
    case 'traffic':
      if (!target) return usage('traffic needs a service name and <revision>=<percent> pairs');
      return (await import('./commands/services.command.js')).trafficCommand(target, positionals.slice(2), {
        ...(await serverOf(values.server)),
        json: values.json ?? false,
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

/** `servergem env list|set|unset <service> …`: its own flags (`--secret` is a switch here). */
async function envMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      secret: { type: 'boolean', default: false },
      build: { type: 'boolean', default: false },
      server: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [action, service, ...rest] = positionals;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!action || !['list', 'set', 'unset'].includes(action)) return usage('env needs list, set or unset');
  if (!service) return usage(`env ${action} needs a service name`);
  const commands = await import('./commands/services.command.js');
  const options = { ...(await serverOf(values.server)), json: values.json ?? false };
  if (action === 'list') return commands.envListCommand(service, options);
  if (action === 'set') return commands.envSetCommand(service, rest, { ...options, secret: values.secret ?? false, build: values.build ?? false });
  return commands.envUnsetCommand(service, rest, options);
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
