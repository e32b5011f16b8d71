import type { AnalysisReport } from '#contracts';
import { CONTROL_CHARACTERS, DomainError, findDownloadExec, parseCommand, SAFE_RELATIVE_PATH } from '#common';

const MAX_COMMAND = 4096;

/**
 * What the builder holds a plan to before any of it reaches a Dockerfile or runs on the `local`
 * target, whoever wrote the report: every command one line of printable text; install and build
 * commands plain argv (ServerGem composes them from validated names, so one that needs a shell was
 * not composed by ServerGem); the folders plain relative paths; and nothing that downloads code and
 * runs it. The start command may need a shell: it can be the author's own (a Procfile line).
 */
export function assertPlanPolicy(report: AnalysisReport): void {
  for (const [field, path] of [
    ['appPath', report.appPath],
    ['staticDir', report.staticDir],
  ] as const) {
    if (path !== null && path !== undefined && !SAFE_RELATIVE_PATH.test(path)) {
      refuse(`The ${field} ${show(path)} is not a plain relative path.`, 'Use a folder name of letters, digits, dots, dashes and underscores.');
    }
  }
  // The framework slug is written into the Dockerfile's header comment.
  if (report.framework !== null && !/^[a-z0-9][a-z0-9.+-]{0,63}$/.test(report.framework)) {
    refuse(`The framework ${show(report.framework)} is not a framework slug.`, 'Analyze the app again with this version of ServerGem.');
  }
  const { install, build, start } = report.commands;
  for (const command of [...install, ...build, ...(start ? [start] : [])]) {
    if (command.length > MAX_COMMAND || CONTROL_CHARACTERS.test(command)) {
      refuse(`The command ${show(command)} is longer than ${MAX_COMMAND} characters or spans several lines.`, 'Give it as one line.');
    }
  }
  for (const command of [...install, ...build]) {
    if (parseCommand(command).argv === null) {
      refuse(
        `The build command ${show(command)} needs a shell (operators, expansions or redirects); ServerGem runs install and build commands without one.`,
        'Put the steps in a package.json script or a script file of the repository, and build that.',
      );
    }
  }
  const [found] = findDownloadExec([...install, ...build, ...(start ? [start] : [])]);
  if (found) {
    refuse(
      `The plan ${found.message}: ServerGem does not run code downloaded at build or start.`,
      'Declare the tool as a dependency, or vendor it into the repository.',
    );
  }
}

function refuse(message: string, hint: string): never {
  throw new DomainError('BUILD_FAILED', message, hint);
}

function show(value: string): string {
  const clean = value.replace(new RegExp(CONTROL_CHARACTERS.source, 'g'), ' ');
  return JSON.stringify(clean.length > 160 ? `${clean.slice(0, 159)}…` : clean);
}
