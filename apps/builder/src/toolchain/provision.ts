import type { AnalysisReport } from '#contracts';
import { DomainError, runProcess, type RunAs } from '#common';
import type { ProgressReporter } from '#messaging';
import type { ToolchainCache, Toolchain } from './toolchain-cache.js';
import { toolchainRequest, type ToolchainRequest } from './toolchain-request.js';

/** The toolchain a build uses: what the app asked for and the version chosen for it. */
export interface ToolchainChoice {
  request: ToolchainRequest;
  version: string;
  /** Chosen from the cache, without asking the registry. */
  cached: boolean;
}

const NAMES: Record<string, string> = { pnpm: 'pnpm', yarn: 'Yarn', bun: 'Bun', deno: 'Deno' };

/**
 * Settles the version of the toolchain an app declares (the same for the `local` build and the
 * Dockerfile), and logs it with its evidence. Null when the app needs none beyond the host's.
 */
export async function chooseToolchain(
  appDir: string,
  report: AnalysisReport,
  cache: ToolchainCache,
  reporter: ProgressReporter,
): Promise<ToolchainChoice | null> {
  const request = await toolchainRequest(appDir, report);
  if (!request) return null;
  let resolved;
  try {
    resolved = await cache.resolve(request);
  } catch (error) {
    throw unavailable(request, error, cache);
  }
  reporter.log(`${NAMES[request.tool]} ${resolved.version}: ${request.evidence}${resolved.cached ? ' (in the toolchain cache)' : ''}`);
  return { request, version: resolved.version, cached: resolved.cached };
}

/**
 * The visible step of the `local` target: the chosen version from the cache, or downloaded into
 * it with a progress line as it comes; then its own `--version` output, run as the build will run it.
 */
export async function provisionToolchain(
  choice: ToolchainChoice,
  cache: ToolchainCache,
  reporter: ProgressReporter,
  run: { env: NodeJS.ProcessEnv; cwd: string; runAs: RunAs | undefined },
): Promise<Toolchain> {
  const { request, version } = choice;
  const name = `${NAMES[request.tool]} ${version}`;
  reporter.step('building', `Provisioning ${name}`, 0);
  const started = Date.now();
  let lastShown = 0;
  let size: number | null = null;
  let toolchain: Toolchain;
  try {
    toolchain = await cache.provide(request, version, {
      downloading: ({ name: pkg, version: v, url }) => reporter.log(`Downloading ${pkg}@${v} from ${url}`),
      progress: (received, total) => {
        size = received;
        const now = Date.now();
        if (now - lastShown < 1000 && received !== total) return;
        lastShown = now;
        reporter.log(`Downloading ${name}: ${megabytes(received)}${total ? ` of ${megabytes(total)} (${Math.floor((received / total) * 100)}%)` : ''}`);
      },
    });
  } catch (error) {
    throw unavailable({ ...request, range: version }, error, cache);
  }
  reporter.log(
    toolchain.cached
      ? `${name} is in the toolchain cache (no download)`
      : `${name} is in the toolchain cache now (${megabytes(size ?? 0)} in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  const env = { ...run.env, PATH: `${toolchain.binDir}:${run.env.PATH ?? ''}` };
  reporter.log(`$ ${request.tool} --version`);
  const result = await runProcess(request.tool, ['--version'], { ...run, env, timeoutMs: 60_000, onLine: reporter.logLine }).catch((error: Error) => ({
    code: null,
    signal: null,
    timedOut: false,
    lastLines: [error.message],
  }));
  if (result.code !== 0) {
    throw new DomainError(
      'TOOLCHAIN_MISSING',
      `${name} was downloaded but does not run on this machine (\`${request.tool} --version\` failed).`,
      'Read the lines above; deploy to the cloudrun target, which builds in a container, if this host cannot run it.',
      result.lastLines,
    );
  }
  return toolchain;
}

function unavailable(request: ToolchainRequest, error: unknown, cache: ToolchainCache): DomainError {
  const what = `${NAMES[request.tool]} ${request.range === '*' ? '' : `${request.range} `}`;
  return new DomainError(
    'TOOLCHAIN_MISSING',
    `ServerGem could not get ${what}for this build (${request.evidence}): ${(error as Error).message}.`,
    `Check that this machine reaches the npm registry (NPM_REGISTRY_URL), that the version exists, or deploy to the cloudrun target, which builds in a container. Downloaded toolchains are kept in ${cache.root}.`,
  );
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
