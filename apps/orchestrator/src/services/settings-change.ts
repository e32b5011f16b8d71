import {
  maskSecret,
  RESERVED_ENV_NAMES,
  serviceSettingsSchema,
  type AnalysisReport,
  type SealedSettingsChange,
  type ServiceSettings,
  type ServiceSettingsView,
} from '#contracts';
import { DomainError } from '#common';

/** The settings of a service that has never had any. */
export function emptySettings(): ServiceSettings {
  return serviceSettingsSchema.parse({});
}

/**
 * A change applied to settings: each field present replaces what was there, `unset` removes names
 * from wherever they are, and a name lives in one place only (setting it as a secret takes it out
 * of the plain variables, and the other way round). Returns the names it touched.
 */
export function applyChange(settings: ServiceSettings, change: SealedSettingsChange): { settings: ServiceSettings; changed: string[] } {
  const env = { ...settings.env };
  const buildEnv = { ...settings.buildEnv };
  const secrets = { ...settings.secrets };
  const buildSecrets = { ...settings.buildSecrets };
  const changed = new Set<string>();
  for (const name of change.unset ?? []) {
    if (!(name in env) && !(name in buildEnv) && !(name in secrets) && !(name in buildSecrets)) continue;
    delete env[name];
    delete buildEnv[name];
    delete secrets[name];
    delete buildSecrets[name];
    changed.add(name);
  }
  for (const [name, value] of Object.entries(change.env ?? {})) {
    delete secrets[name];
    env[name] = value;
    changed.add(name);
  }
  for (const [name, value] of Object.entries(change.buildEnv ?? {})) {
    delete buildSecrets[name];
    buildEnv[name] = value;
    changed.add(name);
  }
  for (const [name, sealed] of Object.entries(change.sealedBuildSecrets ?? {})) {
    delete buildEnv[name];
    buildSecrets[name] = sealed;
    changed.add(name);
  }
  for (const [name, sealed] of Object.entries(change.sealedSecrets ?? {})) {
    delete env[name];
    secrets[name] = sealed;
    changed.add(name);
  }
  const next: ServiceSettings = {
    ...settings,
    env,
    buildEnv,
    secrets,
    buildSecrets,
    ...(change.startCommand !== undefined ? { startCommand: change.startCommand } : {}),
    ...(change.port !== undefined ? { port: change.port } : {}),
    ...(change.healthCheckPath !== undefined ? { healthCheckPath: change.healthCheckPath } : {}),
    ...(change.cloudRun !== undefined ? { cloudRun: { ...settings.cloudRun, ...change.cloudRun } } : {}),
  };
  for (const field of ['startCommand', 'port', 'healthCheckPath', 'cloudRun'] as const) if (change[field] !== undefined) changed.add(field);
  const count = Object.keys(next.env).length + Object.keys(next.secrets).length;
  if (count > 200 || Object.keys(next.buildEnv).length + Object.keys(next.buildSecrets).length > 200) {
    throw new DomainError('VALIDATION_FAILED', 'A service holds at most 200 variables and secrets.', 'Unset the ones it no longer needs.');
  }
  return { settings: serviceSettingsSchema.parse(next), changed: [...changed] };
}

/**
 * The build-time names (build-time variables and secrets) whose value differs between two
 * settings: added, changed or removed. The image was built with them, so a change of any of them
 * needs a rebuild; secrets are compared opened (`open`), so setting one to the value it has changes nothing.
 */
export function buildTimeChanges(before: ServiceSettings, after: ServiceSettings, open: (sealed: string) => string | null): string[] {
  const names = new Set([
    ...Object.keys(before.buildEnv),
    ...Object.keys(after.buildEnv),
    ...Object.keys(before.buildSecrets),
    ...Object.keys(after.buildSecrets),
  ]);
  const secret = (sealed: string | undefined) => (sealed === undefined ? undefined : (open(sealed) ?? sealed));
  return [...names]
    .filter((name) => before.buildEnv[name] !== after.buildEnv[name] || secret(before.buildSecrets[name]) !== secret(after.buildSecrets[name]))
    .sort();
}

/** Settings as they leave the orchestrator: secrets as names and a masked tail (`open` unseals one to mask it). */
export function settingsView(settings: ServiceSettings, version: number, open: (sealed: string) => string | null): ServiceSettingsView {
  return {
    version,
    env: settings.env,
    buildEnv: settings.buildEnv,
    secrets: masked(settings.secrets, open),
    buildSecrets: masked(settings.buildSecrets, open),
    startCommand: settings.startCommand,
    port: settings.port,
    healthCheckPath: settings.healthCheckPath,
    cloudRun: settings.cloudRun,
  };
}

function masked(sealed: Record<string, string>, open: (sealed: string) => string | null): { name: string; masked: string }[] {
  return Object.entries(sealed)
    .map(([name, value]) => {
      const clear = open(value);
      return { name, masked: clear === null ? '••••' : maskSecret(clear) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface EnvCheck {
  /** Read with no default and given no value: the deployment cannot go on. */
  missing: { name: string; secret: boolean; source: string }[];
  /** Read with a default and given no value: the default applies. */
  defaulted: { name: string; source: string }[];
}

/** The variables the analysis saw the app read that the settings give no value (the platform's own names aside). */
export function checkEnv(report: AnalysisReport, settings: ServiceSettings): EnvCheck {
  const reserved = new Set<string>([...RESERVED_ENV_NAMES, 'HOST', 'NODE_ENV', 'HOME', 'PATH']);
  const check: EnvCheck = { missing: [], defaulted: [] };
  const seen = new Set<string>();
  for (const variable of report.env) {
    if (variable.kind === 'build' || seen.has(variable.name) || reserved.has(variable.name)) continue;
    seen.add(variable.name);
    if (variable.name in settings.env || variable.name in settings.secrets) continue;
    if (variable.required) check.missing.push({ name: variable.name, secret: variable.kind === 'secret', source: variable.source });
    else check.defaulted.push({ name: variable.name, source: variable.source });
  }
  return check;
}

/** The MISSING_ENV refusal: every missing name, and the exact commands that set them. */
export function missingEnvError(service: string, source: string, missing: EnvCheck['missing']): DomainError {
  const names = missing.map((m) => m.name);
  const flags = missing.map((m) => `${m.secret ? '--secret' : '--env'} ${m.name}=<value>`).join(' ');
  const plain = missing.filter((m) => !m.secret).map((m) => `${m.name}=<value>`);
  const secret = missing.filter((m) => m.secret).map((m) => `${m.name}=<value>`);
  const envSet = [
    ...(plain.length ? [`servergem env set ${service} ${plain.join(' ')}`] : []),
    ...(secret.length ? [`servergem env set ${service} --secret ${secret.join(' ')}`] : []),
  ];
  const where = missing.map((m) => `${m.name} (${m.source})`).join(', ');
  return new DomainError(
    'MISSING_ENV',
    `${service} reads ${names.length === 1 ? 'a variable' : `${names.length} variables`} with no default and no value set: ${where}. Nothing was built.`,
    `Deploy with the value${names.length === 1 ? '' : 's'}: \`servergem deploy ${quoteArg(source)} ${flags}\` — or set ${names.length === 1 ? 'it' : 'them'} on the service with \`${envSet.join('` and `')}\`, then \`servergem redeploy ${service}\`.`,
  );
}

function quoteArg(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
