import { request } from 'node:http';

/** One HTTP GET; resolves with the status code, or null when nothing answers. */
export function probeHttp(url: string, timeoutMs = 2000): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs, headers: { 'user-agent': 'servergem-health-check' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}
