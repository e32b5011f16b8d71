import { DomainError } from '#common';
import type {
  OwnedService,
  ResponseOf,
  ownedDeleteSubject,
  ownedPowerSubject,
  ownedRedeploySubject,
  ownedRevisionsSubject,
  ownedSettingsChangeSubject,
  ownedSettingsSubject,
  ownedTrafficSubject,
} from '#contracts';
import { followDeployment } from './deploy.command.js';
import { assignments } from './env-args.js';
import { callServer, type ServerOptions } from './server-api.js';

type Options = ServerOptions & { json: boolean };

const path = (name: string, rest = '') => `/api/services/${encodeURIComponent(name)}${rest}`;

/** `servergem services`: your services, their target, URL, state, revision and last deployment. */
export async function servicesCommand(options: Options): Promise<number> {
  const { services } = await callServer<{ services: OwnedService[] }>(options, '/api/services');
  if (options.json) {
    console.log(JSON.stringify(services, null, 2));
    return 0;
  }
  if (services.length === 0) {
    console.log('No services yet. Deploy one with `servergem deploy <path-or-url>`.');
    return 0;
  }
  table([
    ['SERVICE', 'TARGET', 'STATE', 'URL', 'REVISION', 'SETTINGS', 'LAST DEPLOY'],
    ...services.map((s) => [
      s.name,
      s.target,
      s.state,
      s.url || '—',
      shortRevision(s.revision),
      `v${s.settingsVersion}`,
      s.lastDeployment ? `${s.lastDeployment.kind} ${s.lastDeployment.status} ${s.lastDeployment.createdAt}` : '—',
    ]),
  ]);
  return 0;
}

/** `servergem env list <service>`: variables in clear, secrets masked. */
export async function envListCommand(name: string, options: Options): Promise<number> {
  const { settings } = await callServer<ResponseOf<typeof ownedSettingsSubject>>(options, path(name, '/env'));
  if (options.json) {
    console.log(JSON.stringify(settings, null, 2));
    return 0;
  }
  const rows = [
    ['NAME', 'KIND', 'VALUE'],
    ...Object.entries(settings.env).map(([k, v]) => [k, 'env', v]),
    ...settings.secrets.map((s) => [s.name, 'secret', s.masked]),
    ...Object.entries(settings.buildEnv).map(([k, v]) => [k, 'build', v]),
    ...(settings.buildSecrets ?? []).map((s) => [s.name, 'build secret', s.masked]),
  ];
  console.log(`${name}: settings version ${settings.version}`);
  if (rows.length === 1) console.log(`No variables. Set one with \`servergem env set ${name} NAME=VALUE\`.`);
  else table(rows);
  return 0;
}

/** `servergem env set <service> NAME=VALUE… [--secret] [--build]`: a new revision of the same build (a rebuild for build-time values), followed to live. */
export async function envSetCommand(name: string, pairs: string[], options: Options & { secret: boolean; build: boolean }): Promise<number> {
  if (pairs.length === 0) throw new DomainError('VALIDATION_FAILED', 'env set needs at least one NAME=VALUE.', `servergem env set ${name} NAME=VALUE`);
  const values = assignments(pairs, 'env set');
  const body =
    options.secret && options.build ? { buildSecrets: values } : options.secret ? { secrets: values } : options.build ? { buildEnv: values } : { env: values };
  const result = await callServer<ResponseOf<typeof ownedSettingsChangeSubject>>(options, path(name, '/env'), { method: 'PUT', body });
  return settingsOutcome(result, options);
}

/** `servergem env unset <service> NAME…` */
export async function envUnsetCommand(name: string, names: string[], options: Options): Promise<number> {
  if (names.length === 0) throw new DomainError('VALIDATION_FAILED', 'env unset needs at least one name.', `servergem env unset ${name} NAME`);
  const query = `?names=${encodeURIComponent(names.join(','))}`;
  const result = await callServer<ResponseOf<typeof ownedSettingsChangeSubject>>(options, path(name, `/env${query}`), { method: 'DELETE' });
  return settingsOutcome(result, options);
}

async function settingsOutcome(result: ResponseOf<typeof ownedSettingsChangeSubject>, options: Options): Promise<number> {
  if (result.changed.length === 0) {
    if (options.json) console.log(JSON.stringify(result));
    else console.log(`${result.name}: nothing changed (settings version ${result.settings.version}).`);
    return 0;
  }
  if (!result.deploymentId) {
    if (options.json) console.log(JSON.stringify(result));
    else {
      console.log(`${result.name}: settings version ${result.settings.version} (${result.changed.join(', ')}).`);
      console.log(`Nothing serves yet, so the next deployment uses them: \`servergem redeploy ${result.name}\`.`);
    }
    return 0;
  }
  if (options.json) console.log(JSON.stringify(result));
  else if (result.rolloutKind === 'rebuild') {
    console.log(
      `${result.name}: settings version ${result.settings.version} (${result.changed.join(', ')}); build-time settings changed (${result.buildChanged.join(', ')}), so it is rebuilt from the source it serves: deployment ${result.deploymentId}`,
    );
  } else {
    console.log(
      `${result.name}: settings version ${result.settings.version} (${result.changed.join(', ')}); rolling out a new revision of the same build: deployment ${result.deploymentId}`,
    );
  }
  return followDeployment(result.deploymentId, options);
}

/** `servergem redeploy <service> [--latest]`, followed to live. */
export async function redeployCommand(name: string, options: Options & { latest: boolean }): Promise<number> {
  const result = await callServer<ResponseOf<typeof ownedRedeploySubject>>(options, path(name, '/redeploy'), {
    method: 'POST',
    body: { latest: options.latest },
  });
  if (options.json) console.log(JSON.stringify(result));
  else console.log(`Redeploying ${name}${result.commitSha ? ` at ${result.commitSha.slice(0, 12)}` : ''}: deployment ${result.deploymentId}`);
  return followDeployment(result.deploymentId, options);
}

/** `servergem revisions <service>`: newest first, the serving one marked. */
export async function revisionsCommand(name: string, options: Options): Promise<number> {
  const { revisions } = await callServer<ResponseOf<typeof ownedRevisionsSubject>>(options, path(name, '/revisions'));
  if (options.json) {
    console.log(JSON.stringify(revisions, null, 2));
    return 0;
  }
  if (revisions.length === 0) {
    console.log(`${name} has no revisions yet.`);
    return 0;
  }
  table([
    ['', 'REVISION', 'CREATED', 'SETTINGS', 'TRAFFIC'],
    ...revisions.map((r) => [
      r.current ? '*' : '',
      r.revision,
      r.createdAt,
      r.settingsVersion === null || r.settingsVersion === undefined ? '—' : `v${r.settingsVersion}`,
      r.percent !== undefined ? `${r.percent}%` : r.current ? '100%' : '',
    ]),
  ]);
  return 0;
}

/** `servergem stop|start <service>` */
export async function powerCommand(name: string, action: 'stop' | 'start', options: Options): Promise<number> {
  const result = await callServer<ResponseOf<typeof ownedPowerSubject>>(options, path(name, `/${action}`), { method: 'POST' });
  console.log(options.json ? JSON.stringify(result) : `${result.name} is ${result.status}`);
  return 0;
}

/** `servergem delete <service>` */
export async function deleteCommand(name: string, options: Options): Promise<number> {
  const result = await callServer<ResponseOf<typeof ownedDeleteSubject>>(options, path(name), { method: 'DELETE' });
  if (options.json) console.log(JSON.stringify(result));
  else console.log(`Deleted ${result.name}${result.secrets.length ? ` and its secrets ${result.secrets.join(', ')}` : ''}`);
  return 0;
}

/** `servergem traffic <service> <revision>=<percent>…` (Cloud Run). */
export async function trafficCommand(name: string, pairs: string[], options: Options): Promise<number> {
  const splits = pairs.map((pair) => {
    const match = /^([A-Za-z0-9-]{1,100})=(\d{1,3})%?$/.exec(pair);
    if (!match)
      throw new DomainError(
        'VALIDATION_FAILED',
        `${JSON.stringify(pair)} is not <revision>=<percent>.`,
        `servergem traffic ${name} ${name}-abcd1234=90 ${name}-ef567890=10`,
      );
    return { revision: match[1]!, percent: Number(match[2]) };
  });
  if (splits.length === 0)
    throw new DomainError('VALIDATION_FAILED', 'traffic needs at least one <revision>=<percent>.', `servergem traffic ${name} <revision>=100`);
  const result = await callServer<ResponseOf<typeof ownedTrafficSubject>>(options, path(name, '/traffic'), { method: 'POST', body: { splits } });
  if (options.json) console.log(JSON.stringify(result));
  else {
    console.log(`${result.name} at ${result.url}:`);
    for (const t of result.traffic) console.log(`  ${t.revision}  ${t.percent}%`);
  }
  return 0;
}

function shortRevision(revision: string | null): string {
  if (!revision) return '—';
  return /^[0-9a-f-]{36}$/.test(revision) ? revision.slice(0, 8) : revision;
}

function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const row of rows)
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}
