import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the checkout's `servergem` command (`bin/servergem.js` under `root`) as a user would, with
 * PATH and HOME and whatever `env` adds: its exit code and output, whether it succeeds or not.
 */
export async function runCli(root: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'bin/servergem.js'), ...args], {
      cwd: options.cwd ?? root,
      timeout: options.timeoutMs ?? 120_000,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
