import { z } from 'zod';
import { deploymentEventSchema, deploymentSummarySchema, type DeploymentEvent, type DeploymentSummary } from '#contracts';

const listSchema = z.object({ deployments: z.array(deploymentSummarySchema) });
const detailSchema = z.object({ deployment: deploymentSummarySchema, events: z.array(deploymentEventSchema) });
const errorSchema = z.object({ message: z.string(), hint: z.string().optional() });

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

async function getJson<T>(path: string, schema: z.ZodType<T>, accessToken: string, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  const response = await fetch(path, { headers, signal });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = errorSchema.safeParse(body);
    throw new ApiError(
      error.success ? error.data.message : `The server answered ${response.status}.`,
      response.status,
      error.success ? error.data.hint : undefined,
    );
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError('The server sent an answer this page does not understand.', response.status);
  return parsed.data;
}

export function listDeployments(accessToken: string, signal?: AbortSignal): Promise<DeploymentSummary[]> {
  return getJson('/api/deployments?limit=50', listSchema, accessToken, signal).then((r) => r.deployments);
}

export function getDeployment(id: string, accessToken: string, signal?: AbortSignal): Promise<{ deployment: DeploymentSummary; events: DeploymentEvent[] }> {
  return getJson(`/api/deployments/${encodeURIComponent(id)}`, detailSchema, accessToken, signal);
}
