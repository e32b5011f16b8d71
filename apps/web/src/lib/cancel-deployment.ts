import { z } from 'zod';
import { cancelDeploymentSubject, type ResponseOf } from '#contracts';
import { ApiError } from './api-client';

const errorSchema = z.object({ message: z.string(), hint: z.string().optional() });

/** `POST /api/deployments/:id/cancel`: the answer says whether it cancelled it or it had already ended. */
export async function cancelDeployment(id: string, accessToken: string): Promise<ResponseOf<typeof cancelDeploymentSubject>> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  const response = await fetch(`/api/deployments/${encodeURIComponent(id)}/cancel`, { method: 'POST', headers, body: '{}' });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = errorSchema.safeParse(body);
    throw new ApiError(
      error.success ? error.data.message : `The server answered ${response.status}.`,
      response.status,
      error.success ? error.data.hint : undefined,
    );
  }
  const parsed = cancelDeploymentSubject.response.safeParse(body);
  if (!parsed.success) throw new ApiError('The server sent an answer this page does not understand.', response.status);
  return parsed.data;
}
