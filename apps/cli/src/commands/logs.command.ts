import type { ResponseOf, serviceLogsSubject } from '#contracts';
import { callServer, type ServerOptions } from './server-api.js';

const FOLLOW_EVERY_MS = 1000;

/** `servergem logs <service> [-f]`: the app's last lines; with -f, new ones as they come (by polling). */
export async function logsCommand(name: string, options: ServerOptions & { follow: boolean; tail: number }): Promise<number> {
  const path = `/api/services/${encodeURIComponent(name)}/logs?tail=`;
  let last = (await callServer<ResponseOf<typeof serviceLogsSubject>>(options, path + options.tail)).lines;
  for (const line of last) console.log(line);
  while (options.follow) {
    await new Promise((r) => setTimeout(r, FOLLOW_EVERY_MS));
    const lines = (await callServer<ResponseOf<typeof serviceLogsSubject>>(options, path + 1000)).lines;
    for (const line of lines.slice(newSince(last, lines))) console.log(line);
    last = lines;
  }
  return 0;
}

/** Where the lines not printed yet start in `current`: just after the last lines already printed. */
export function newSince(previous: string[], current: string[]): number {
  const k = Math.min(previous.length, 50);
  if (k === 0) return 0;
  const anchor = previous.slice(-k);
  for (let end = current.length; end >= k; end--) {
    if (anchor.every((line, i) => current[end - k + i] === line)) return end;
  }
  return 0;
}
