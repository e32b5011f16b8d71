import { z } from 'zod';
import {
  ownedServiceSchema,
  ownedSettingsChangeSubject,
  serviceRevisionSchema,
  serviceSettingsViewSchema,
  type SettingsChange,
  type TrafficSplit,
} from '#contracts';
import { ApiError } from './api-client';

const errorSchema = z.object({ message: z.string(), hint: z.string().optional() });

async function call<T>(method: string, path: string, schema: z.ZodType<T>, accessToken: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  // A change with no body (a DELETE) says it is one of ours, as the gateway asks of a request that is not JSON.
  else if (method !== 'GET') headers['X-ServerGem-Request'] = '1';
  const response = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const json: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = errorSchema.safeParse(json);
    throw new ApiError(
      error.success ? error.data.message : `The server answered ${response.status}.`,
      response.status,
      error.success ? error.data.hint : undefined,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ApiError('The server sent an answer this page does not understand.', response.status);
  return parsed.data;
}

const service = (name: string) => `/api/services/${encodeURIComponent(name)}`;
const deploymentStarted = z.looseObject({ deploymentId: z.string().nullable().optional() });
/** A settings change's answer: its settings version, what changed, and how it rolls out (`rolloutKind`, `buildChanged`). */
const settingsChanged = ownedSettingsChangeSubject.response;

/** The values `PUT /env` sets: runtime and build-time, variables in clear and secrets write-only. */
export type EnvChange = Pick<SettingsChange, 'env' | 'secrets' | 'buildEnv' | 'buildSecrets'>;

/** The REST of `/api/services`: what the Services page reads and does. */
export const servicesApi = {
  list: (token: string) => call('GET', '/api/services', z.object({ services: z.array(ownedServiceSchema) }), token).then((r) => r.services),
  revisions: (name: string, token: string) =>
    call('GET', `${service(name)}/revisions`, z.object({ revisions: z.array(serviceRevisionSchema) }), token).then((r) => r.revisions),
  logs: (name: string, token: string) => call('GET', `${service(name)}/logs?tail=200`, z.object({ lines: z.array(z.string()) }), token).then((r) => r.lines),
  settings: (name: string, token: string) =>
    call('GET', `${service(name)}/settings`, z.object({ settings: serviceSettingsViewSchema }), token).then((r) => r.settings),
  /** Sets variables (in clear) and secrets (write-only), runtime or build-time: a new revision of the same build rolls runtime ones out, a rebuild build-time ones. */
  setEnv: (name: string, token: string, change: EnvChange) => call('PUT', `${service(name)}/env`, settingsChanged, token, change),
  /** Changes any settings (start command, port, health-check path, Cloud Run resources); a new revision of the same build rolls them out. */
  changeSettings: (name: string, token: string, change: SettingsChange) => call('PATCH', `${service(name)}/settings`, settingsChanged, token, change),
  /** Splits a Cloud Run service's traffic between ready revisions (the percentages add up to 100). */
  traffic: (name: string, token: string, splits: TrafficSplit[]) =>
    call('POST', `${service(name)}/traffic`, z.looseObject({ traffic: z.array(z.looseObject({})) }), token, { splits }),
  /** Removes a variable or secret (runtime and build-time of that name): a rebuild when a build-time one goes. */
  unsetEnv: (name: string, variable: string, token: string) => call('DELETE', `${service(name)}/env/${encodeURIComponent(variable)}`, settingsChanged, token),
  rollback: (name: string, revision: string, token: string) =>
    call('POST', `${service(name)}/rollback`, z.looseObject({ revision: z.string() }), token, { revision }),
  redeploy: (name: string, token: string) => call('POST', `${service(name)}/redeploy`, deploymentStarted, token, {}),
  stop: (name: string, token: string) => call('POST', `${service(name)}/stop`, z.looseObject({}), token, {}),
  start: (name: string, token: string) => call('POST', `${service(name)}/start`, z.looseObject({}), token, {}),
  remove: (name: string, token: string) => call('DELETE', service(name), z.looseObject({}), token),
};
