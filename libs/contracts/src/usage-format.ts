/**
 * A service's usage in the units a person reads (`42.1 MB`, `1.3 s`, `2 h 5 min`): the CLI, the chat
 * and the web UI all say it the same way.
 */
const MB = 1024 * 1024;

/** Memory: KB under a megabyte, MB under a gigabyte, then GB (powers of 1024, as `top` counts). */
export function formatBytes(bytes: number): string {
  if (bytes < MB) return `${Math.round(bytes / 1024)} KB`;
  if (bytes < 1024 * MB) return `${(bytes / MB).toFixed(1)} MB`;
  return `${(bytes / (1024 * MB)).toFixed(2)} GB`;
}

/** CPU time: seconds to a tenth under a minute, then minutes and hours. */
export function formatCpuSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return formatDuration(seconds);
}

/** A duration in its two largest units: `45 s`, `3 min 12 s`, `2 h 5 min`, `4 d 1 h`. */
export function formatDuration(seconds: number): string {
  const s = Math.floor(seconds);
  const units: [number, string][] = [
    [86_400, 'd'],
    [3600, 'h'],
    [60, 'min'],
    [1, 's'],
  ];
  const first = units.findIndex(([size]) => s >= size);
  if (first === -1) return '0 s';
  const [size, unit] = units[first]!;
  const next = units[first + 1];
  const rest = next ? Math.floor((s % size) / next[0]) : 0;
  return `${Math.floor(s / size)} ${unit}${next && rest ? ` ${rest} ${next[1]}` : ''}`;
}
