/** GET a URL and read the body as text. */
export async function getText(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

/**
 * A REST call to a server under test as the web UI makes it: its token as `Authorization: Bearer`,
 * a body (when there is one) sent as JSON.
 */
export function apiFetch(
  server: { url: string; token: string },
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${server.token}`, ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(new URL(path, server.url), { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
}

/** `apiFetch` for a JSON answer, failing with the status and body when it is not a 2xx. */
export async function apiJson<T>(server: { url: string; token: string }, path: string, init: Parameters<typeof apiFetch>[2] = {}): Promise<T> {
  const response = await apiFetch(server, path, init);
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}
