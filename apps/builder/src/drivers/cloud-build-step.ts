import type { protos } from '@google-cloud/cloudbuild';
import type { SecretReference } from '#contracts';

type Build = protos.google.devtools.cloudbuild.v1.IBuild;

export interface DockerBuildInput {
  project: string;
  image: string;
  /** Build-time variables (not secret). */
  buildEnv?: Record<string, string>;
  /** Build-time secrets, by variable name. */
  buildSecrets?: Record<string, SecretReference>;
}

/**
 * The Cloud Build step that runs `docker build`, and the secrets it may read. Every build-time
 * variable reaches the Dockerfile as a BuildKit secret (`--secret id=NAME,env=NAME`), which a RUN
 * line mounts with `--mount=type=secret,id=NAME,env=NAME` (see `addSecretMounts`):
 * - secrets come from Secret Manager through `availableSecrets` and the step's `secretEnv`, so their
 *   values are never in the build's config, its argv, an ARG, an ENV or a layer;
 * - plain values come through the step's `env`. A `--build-arg` would work for them too, but only
 *   with an `ARG` the Dockerfile declares, and the value would be kept in the image's history;
 *   one mechanism for both keeps the Dockerfile the same whichever kind a variable is.
 */
export function dockerBuildStep(input: DockerBuildInput): Pick<Build, 'steps' | 'availableSecrets'> {
  const plain = Object.entries(input.buildEnv ?? {}).filter(([name]) => !input.buildSecrets?.[name]);
  const secrets = Object.entries(input.buildSecrets ?? {});
  const names = [...plain.map(([name]) => name), ...secrets.map(([name]) => name)].sort();
  const secretArgs = names.flatMap((name) => ['--secret', `id=${name},env=${name}`]);
  const step = {
    name: 'gcr.io/cloud-builders/docker',
    args: ['build', ...secretArgs, '-t', input.image, '.'],
    // BuildKit: secret mounts and the `# syntax=` line need it; the classic builder ignores both.
    env: ['DOCKER_BUILDKIT=1', ...plain.map(([name, value]) => `${name}=${value}`)],
    secretEnv: secrets.map(([name]) => name),
  };
  if (secrets.length === 0) return { steps: [step] };
  return {
    steps: [step],
    availableSecrets: {
      secretManager: secrets.map(([name, ref]) => ({ versionName: `projects/${input.project}/secrets/${ref.secret}/versions/${ref.version}`, env: name })),
    },
  };
}
