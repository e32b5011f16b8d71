import { DomainError } from '#common';
import { wireErrorSchema } from '#contracts';

export interface ServerOptions {
  server: string;
  token?: string;
}

/** One REST call to a running ServerGem; its `{ code, message, hint }` errors become DomainErrors. */
export async function callServer<T>(
  options: ServerOptions,
  path: string,
  init: { method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; body?: unknown } = {},
): Promise<T> {
  const method = init.method ?? 'GET';
  // The server takes a request that changes something only as JSON.
  const body = method === 'GET' ? undefined : JSON.stringify(init.body ?? {});
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(new URL(path, options.server), { method, headers, body });
  } catch {
    throw new DomainError('SERVICE_UNAVAILABLE', `ServerGem does not answer at ${options.server}.`, 'Start it with `servergem up`, or pass --server.');
  }
  const payload: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = wireErrorSchema.safeParse(payload);
    if (error.success) throw new DomainError(error.data.code, error.data.message, error.data.hint);
    throw new DomainError('INTERNAL', `ServerGem answered HTTP ${response.status}.`, 'Check the server log.');
  }
  return payload as T;
}
