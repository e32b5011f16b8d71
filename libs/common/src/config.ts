import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** Parses the environment with one zod schema; a bad value stops start-up with a clear message. */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(environment)'}: ${i.message}`).join('\n');
    throw new Error(`ServerGem cannot start: the configuration is invalid.\n${problems}`);
  }
  return parsed.data;
}

export const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Where ServerGem keeps its data: `$SERVERGEM_HOME`, by default `./.servergem` (not created). */
export function servergemHomePath(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.SERVERGEM_HOME || '.servergem');
}

/** Where ServerGem keeps its data, created when missing. */
export function servergemHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = servergemHomePath(env);
  mkdirSync(home, { recursive: true });
  return home;
}

/**
 * The key that seals secrets between services: `SERVERGEM_SECRET_KEY`, or one generated once and
 * kept under `$SERVERGEM_HOME` (mode 0600) for the all-in-one server.
 */
export function secretKey(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SERVERGEM_SECRET_KEY) return env.SERVERGEM_SECRET_KEY;
  const file = join(servergemHome(env), 'secret.key');
  if (!existsSync(file)) {
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another service of the same installation wrote it first.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readFileSync(file, 'utf8').trim();
}
