import type { cancelDeploymentSubject, ResponseOf } from '#contracts';
import { callServer, type ServerOptions } from './server-api.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `servergem cancel <deploymentId|service>`: cancels a running deployment (a service's running one
 * when given a name). One that already ended is left as it is, and said so; both exit 0.
 */
export async function cancelCommand(target: string, options: ServerOptions & { json: boolean }): Promise<number> {
  const path = UUID.test(target) ? `/api/deployments/${target.toLowerCase()}/cancel` : `/api/services/${encodeURIComponent(target)}/cancel`;
  const result = await callServer<ResponseOf<typeof cancelDeploymentSubject>>(options, path, { method: 'POST', body: {} });
  console.log(options.json ? JSON.stringify(result) : result.message);
  return 0;
}
