import type { ResponseOf, rollbackSubject } from '#contracts';
import { callServer, type ServerOptions } from './server-api.js';

/** `servergem rollback <service> [--to <revision>]`: serves an earlier revision at the same URL. */
export async function rollbackCommand(name: string, options: ServerOptions & { to?: string; json: boolean }): Promise<number> {
  const result = await callServer<ResponseOf<typeof rollbackSubject>>(options, `/api/services/${encodeURIComponent(name)}/rollback`, {
    method: 'POST',
    body: options.to ? { revision: options.to } : {},
  });
  console.log(options.json ? JSON.stringify(result) : `${result.name} now serves revision ${result.revision} at ${result.url}`);
  return 0;
}
