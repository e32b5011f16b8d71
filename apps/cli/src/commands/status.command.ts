import { formatBytes, formatCpuSeconds, type OwnedService, type ResponseOf, type ownedServicesListSubject } from '#contracts';
import { callServer, type ServerOptions } from './server-api.js';

/**
 * `servergem status`: every service, its URL, state and revision, and what a running local app
 * uses (memory and CPU time over its process group). Cloud Run does not measure usage without
 * Cloud Monitoring: its rows show the limits from the settings instead.
 */
export async function statusCommand(options: ServerOptions & { json: boolean }): Promise<number> {
  const { services } = await callServer<ResponseOf<typeof ownedServicesListSubject>>(options, '/api/services');
  if (options.json) {
    console.log(JSON.stringify(services, null, 2));
    return 0;
  }
  if (services.length === 0) {
    console.log('No services yet. Deploy one with `servergem deploy <path-or-url>`.');
    return 0;
  }
  const rows = [
    ['SERVICE', 'STATUS', 'URL', 'REVISION', 'PID', 'MEMORY', 'CPU', 'RESTARTS', 'SINCE'],
    ...services.map((s) => [
      s.name,
      s.status,
      s.url,
      s.revision?.slice(0, 8) ?? '—',
      s.pid ? String(s.pid) : '—',
      ...usageCells(s),
      String(s.restarts),
      s.startedAt ?? '—',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows)
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  if (services.some((s) => s.target === 'cloudrun')) {
    console.log('\nCloud Run usage is not measured (it needs Cloud Monitoring); its MEMORY and CPU show the limits of each instance.');
  }
  return 0;
}

/** MEMORY and CPU: measured on the local target, the limits on Cloud Run, nothing for an app that is not running. */
function usageCells(s: OwnedService): [string, string] {
  if (s.target === 'cloudrun') return [`limit ${s.limits?.memory ?? 'default'}`, `limit ${s.limits?.cpu ?? 'default'}`];
  return [s.memoryBytes != null ? formatBytes(s.memoryBytes) : '—', s.cpuSeconds != null ? formatCpuSeconds(s.cpuSeconds) : '—'];
}
