import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Marks a setting as a secret: never printed, logged or handed to an app. */
export function secretSetting<T extends z.ZodType>(schema: T): T {
  return schema.meta({ secret: true });
}

export function isSecretSetting(schema: z.ZodType): boolean {
  return z.globalRegistry.get(schema)?.secret === true;
}

/** The sealing key, for the schemas of the services that seal or open secrets. */
export const secretKeyFields = {
  /** Secret: seals GitHub tokens between services; without it, one generated once under the home. */
  SERVERGEM_SECRET_KEY: secretSetting(
    z
      .string()
      .optional()
      .transform((v) => v || undefined),
  ),
};

/**
 * The `local` target's settings, shared by the builder, the deployer and the all-in-one server:
 * who apps run as, where the files other users must reach live, and the plain environment
 * installs, builds and apps start from.
 */
export const localTargetFields = {
  /** As root: the unprivileged user apps are built and run as (created when missing). */
  APP_USER: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a user name (lower case, at most 32 characters)')
    .default('servergem-app'),
  /** The database cluster, releases and apps' homes; as root by default /var/lib/servergem/<installation id>. */
  SERVERGEM_SHARED_DIR: z
    .string()
    .optional()
    .transform((v) => (v ? resolve(v) : undefined)),
  /** The PATH installs, builds and apps get (ServerGem's own, without anything else of its environment). */
  PATH: z.string().default('/usr/local/bin:/usr/bin:/bin'),
  LANG: z.string().default('C.UTF-8'),
  /**
   * A PEM file of certificate authorities Node trusts beyond its own, passed on to installs, builds
   * and apps as ServerGem itself uses it: on a host behind a TLS-inspecting proxy, the package
   * managers (Yarn 2 and later read no npm or system settings) reach the registry with it.
   */
  NODE_EXTRA_CA_CERTS: z.string().optional(),
};

/** Where ServerGem keeps its private data: the configured `SERVERGEM_HOME`, by default `./.servergem` (not created). */
export function servergemHomePath(configured?: string): string {
  return resolve(configured || '.servergem');
}

/**
 * The home, created when missing and kept 0700: keys, tokens, runtime state and locks are for
 * ServerGem alone.
 */
export function servergemHome(configured?: string): string {
  const home = servergemHomePath(configured);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  try {
    chmodSync(home, 0o700);
  } catch {
    // Someone else's folder: its owner decides.
  }
  return home;
}

/**
 * The key that seals secrets between services: `SERVERGEM_SECRET_KEY`, or one generated once and
 * kept in the home (mode 0600) for the all-in-one server. Nothing is written anywhere else.
 */
export function secretKey(config: { SERVERGEM_SECRET_KEY?: string; SERVERGEM_HOME?: string }): string {
  if (config.SERVERGEM_SECRET_KEY) return config.SERVERGEM_SECRET_KEY;
  return privateFile(join(servergemHome(config.SERVERGEM_HOME), 'secret.key'));
}

/** A random value kept in a 0600 file, created on first use (by whichever service asks first). */
export function privateFile(file: string): string {
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
