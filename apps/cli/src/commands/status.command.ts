import type { ResponseOf, listServicesSubject } from '#contracts';
import { callServer, type ServerOptions } from './server-api.js';

/** `servergem status`: every service of the local runtime, its URL, state and revision. */
export async function statusCommand(options: ServerOptions & { json: boolean }): Promise<number> {
  const { services } = await callServer<ResponseOf<typeof listServicesSubject>>(options, '/api/services');
  if (options.json) {
    console.log(JSON.stringify(services, null, 2));
    return 0;
  }
  if (services.length === 0) {
    console.log('No services yet. Deploy one with `servergem deploy <path-or-url>`.');
    return 0;
  }
  const rows = [
    ['SERVICE', 'STATUS', 'URL', 'REVISION', 'PID', 'RESTARTS', 'SINCE'],
    ...services.map((s) => [s.name, s.status, s.url, s.revision?.slice(0, 8) ?? '—', s.pid ? String(s.pid) : '—', String(s.restarts), s.startedAt ?? '—']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows)
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  return 0;
}
