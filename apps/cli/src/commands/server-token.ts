import { isLoopbackHost, readAccessToken, servergemHomePath } from '#common';

/**
 * The access token the CLI sends: SERVERGEM_TOKEN when set; otherwise, for a server on this
 * machine, the install's own token from the file the server made under SERVERGEM_HOME (by default
 * `./.servergem`, as the server's). A token file is never sent to a server elsewhere.
 */
export function serverToken(server: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SERVERGEM_TOKEN) return env.SERVERGEM_TOKEN;
  const host = URL.canParse(server) ? new URL(server).hostname : '';
  if (!isLoopbackHost(host)) return undefined;
  return readAccessToken(servergemHomePath(env.SERVERGEM_HOME)) ?? undefined;
}
