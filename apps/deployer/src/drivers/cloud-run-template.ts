import type { protos } from '@google-cloud/run';
import type { AnalysisReport, ServiceSettings } from '#contracts';
import { commandArgv } from '#common';
import type { DeployerConfig } from '../deployer.config.js';
import type { SecretRef } from './cloud-run-secrets.js';

export type RunTemplate = protos.google.cloud.run.v2.IRevisionTemplate;
export type RunContainer = protos.google.cloud.run.v2.IContainer;
export type RunEnvVar = protos.google.cloud.run.v2.IEnvVar;
export type RunProbe = protos.google.cloud.run.v2.IProbe;

/** Labels on every revision ServerGem makes: which deployment made it, from which settings version. */
export const DEPLOYMENT_LABEL = 'servergem-deployment';
export const SETTINGS_LABEL = 'servergem-settings-version';

export interface TemplateInput {
  deploymentId: string;
  revision: string;
  image: string;
  report: AnalysisReport;
  config: DeployerConfig;
  /** The service's settings; without them the analysis, CLOUDRUN_SECRETS and the deployer's defaults decide. */
  settings?: ServiceSettings;
  settingsVersion?: number;
  /** Secret Manager references for the settings' secrets, by variable name. */
  secretRefs?: Record<string, SecretRef>;
  /** The env of the container deployed now: without settings, values set outside ServerGem are kept. */
  existingEnv: RunEnvVar[];
  warn: (line: string) => void;
}

/** Where the app listens: the settings' port, or what the analysis found (8080 when the app reads PORT). */
export function containerPort(report: AnalysisReport, settings?: ServiceSettings): number {
  if (settings?.port) return settings.port;
  return report.portFromEnv ? 8080 : (report.port ?? 8080);
}

/** `NAME=secret[:version]` pairs from CLOUDRUN_SECRETS. */
export function parseSecretMap(value: string | undefined): Map<string, { secret: string; version: string }> {
  const map = new Map<string, { secret: string; version: string }>();
  for (const entry of (value ?? '').split(',')) {
    const [name, ref] = entry.split('=').map((s) => s.trim());
    if (!name || !ref) continue;
    const colon = ref.lastIndexOf(':');
    map.set(name, colon > 0 ? { secret: ref.slice(0, colon), version: ref.slice(colon + 1) } : { secret: ref, version: 'latest' });
  }
  return map;
}

/**
 * The container's args for a start-command override. Only `args` (the image's CMD) is replaced, never
 * `command` (its ENTRYPOINT): an entrypoint such as tini or docker-entrypoint.sh keeps wrapping
 * the app. The argv follows the rule the generated CMD and the local target use: the command's own
 * words when it needs no shell, else `sh -c` (with `exec` for one simple command, so the app stays
 * PID 1 and gets the signals).
 */
export function startArgs(startCommand: string): string[] {
  return commandArgv(startCommand);
}

/**
 * Probes for a health-check path. With the default `/` Cloud Run keeps its TCP startup probe (an app
 * whose `/` answers 404 is still healthy); any other path becomes an HTTP startup probe (up to two
 * minutes to pass) and an HTTP liveness probe on the container's port.
 */
export function healthProbes(path: string): { startupProbe: RunProbe | null; livenessProbe: RunProbe | null } {
  if (path === '/') return { startupProbe: null, livenessProbe: null };
  return {
    startupProbe: { httpGet: { path }, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 24 },
    livenessProbe: { httpGet: { path }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
  };
}

/**
 * The revision template: image, port, resources, scaling, env and secrets. With settings the
 * container's env is exactly the settings' (plain values and Secret Manager references, never a
 * secret's value); without them the analysis' secrets are mapped through CLOUDRUN_SECRETS and env
 * set outside ServerGem is kept.
 */
export function revisionTemplate(input: TemplateInput): RunTemplate {
  const { config, report, settings } = input;
  const resources = settings?.cloudRun ?? {};
  const labels: Record<string, string> = { [DEPLOYMENT_LABEL]: input.deploymentId, 'managed-by': 'servergem' };
  if (input.settingsVersion !== undefined) labels[SETTINGS_LABEL] = String(input.settingsVersion);
  const container: RunContainer = {
    image: input.image,
    ports: [{ containerPort: containerPort(report, settings) }],
    resources: { limits: { cpu: resources.cpu ?? config.CLOUDRUN_CPU, memory: resources.memory ?? config.CLOUDRUN_MEMORY } },
    env: containerEnv(input),
  };
  if (settings) {
    // Set (or cleared) explicitly, so an override removed from the settings leaves the revision too.
    container.args = settings.startCommand ? startArgs(settings.startCommand) : [];
    Object.assign(container, healthProbes(settings.healthCheckPath));
  }
  return {
    revision: input.revision,
    labels,
    scaling: {
      minInstanceCount: resources.minInstances ?? config.CLOUDRUN_MIN_INSTANCES,
      maxInstanceCount: resources.maxInstances ?? config.CLOUDRUN_MAX_INSTANCES,
    },
    timeout: { seconds: config.CLOUDRUN_REQUEST_TIMEOUT_SECONDS },
    maxInstanceRequestConcurrency: resources.concurrency ?? config.CLOUDRUN_CONCURRENCY,
    containers: [container],
  };
}

function containerEnv(input: TemplateInput): RunEnvVar[] {
  const { settings, report } = input;
  const refs = input.secretRefs ?? {};
  const env: RunEnvVar[] = [];
  const set = new Set<string>();
  const add = (variable: RunEnvVar) => {
    env.push(variable);
    set.add(variable.name ?? '');
  };
  for (const [name, ref] of Object.entries(refs)) add({ name, valueSource: { secretKeyRef: { secret: ref.secret, version: ref.version } } });
  // A name both plain and secret is only ever a secret reference.
  for (const [name, value] of Object.entries(settings?.env ?? {})) if (!set.has(name)) add({ name, value });
  // CLOUDRUN_SECRETS still maps the analysis' secrets that the settings do not hold.
  const legacy = parseSecretMap(input.config.CLOUDRUN_SECRETS);
  for (const variable of report.env.filter((v) => v.kind === 'secret' && !set.has(v.name))) {
    const ref = legacy.get(variable.name);
    if (ref) {
      add({ name: variable.name, valueSource: { secretKeyRef: { secret: ref.secret, version: ref.version } } });
      continue;
    }
    if (settings) input.warn(`Secret ${variable.name} (${variable.source}) is not set: set it as a secret of the service.`);
    else input.warn(`Secret ${variable.name} (${variable.source}) is not set on Cloud Run: map it in CLOUDRUN_SECRETS (NAME=secret[:version]).`);
  }
  if (settings) return env;
  const kept = input.existingEnv
    .filter((e) => e.name && !set.has(e.name))
    .map((e) => (e.valueSource ? { name: e.name, valueSource: e.valueSource } : { name: e.name, value: e.value ?? '' }));
  return [...kept, ...env];
}
