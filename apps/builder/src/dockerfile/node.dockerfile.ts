import type { AnalysisReport } from '#contracts';
import { appNoun, cmd, header, runAll, versionOf } from './dockerfile-parts.js';
import type { ToolchainPin } from './dockerfile-parts.js';
import { staticRuntime } from './static-server.js';

/** The npm package that installs a pinned pnpm or Yarn (`--force`: node images carry a Yarn classic of their own). */
function installPinned(pin: ToolchainPin): string {
  const pkg = pin.tool === 'yarn' && !pin.version.startsWith('1.') ? '@yarnpkg/cli-dist' : pin.tool;
  return `RUN npm install --global --force ${pkg}@${pin.version}\n`;
}

const MANIFESTS: Record<string, string[]> = {
  npm: ['package.json', 'package-lock.json*', 'npm-shrinkwrap.json*'],
  yarn: ['package.json', 'yarn.lock*', '.yarnrc.yml*'],
  pnpm: ['package.json', 'pnpm-lock.yaml*', 'pnpm-workspace.yaml*', '.npmrc*'],
  bun: ['package.json', 'bun.lock*', 'bunfig.toml*'],
};

const CACHE: Record<string, string> = {
  npm: '/root/.npm',
  yarn: '/usr/local/share/.cache/yarn',
  pnpm: '/root/.local/share/pnpm/store',
  bun: '/root/.bun/install/cache',
};

/**
 * Node.js (and Bun): dependencies installed from the manifests and lockfile before the source is
 * copied, so a code-only change reuses that layer; a slim pinned runtime running as the image's
 * unprivileged user; Next.js standalone output and static sites get their own runtime stages.
 */
export function nodeDockerfile(report: AnalysisReport, toolchain?: ToolchainPin | null): string {
  const manager = report.packageManager ?? 'npm';
  const bun = report.runtime.name === 'bun' || manager === 'bun';
  const bunVersion = toolchain?.tool === 'bun' ? toolchain.version : versionOf(report.runtime.version, '1');
  const base = bun ? `oven/bun:${bunVersion}-slim` : `node:${versionOf(report.runtime.version, '22')}-slim`;
  // The pnpm or Yarn the local target provisions, pinned; without one, the one corepack picks.
  const pinned = toolchain && (toolchain.tool === 'pnpm' || toolchain.tool === 'yarn') ? installPinned(toolchain) : null;
  const corepack = !bun && (manager === 'yarn' || manager === 'pnpm') ? (pinned ?? 'RUN corepack enable\n') : '';
  // A workspace member needs the whole workspace to install; a single package only its manifests;
  // an app with nothing to install (or no package.json at all) just its files.
  const whole = report.appPath !== '.' || report.services.length > 0 || report.commands.install.length === 0;
  const install = report.commands.install.map((c) => `RUN --mount=type=cache,target=${CACHE[manager] ?? CACHE.npm} ${c}\n`).join('');
  const build = runAll(report.commands.build);
  const stage = [
    header(report, appNoun(report.framework, bun ? 'Bun' : 'Node.js')).trimEnd(),
    `FROM ${base} AS build`,
    'WORKDIR /app',
    corepack.trimEnd(),
    whole ? 'COPY . .' : `COPY ${(MANIFESTS[manager] ?? MANIFESTS.npm!).join(' ')} ./`,
    install.trimEnd(),
    whole ? '' : 'COPY . .',
    build.trimEnd(),
  ]
    .filter(Boolean)
    .join('\n');

  if (report.staticDir) return `${stage}\n\n${staticRuntime('build', '/app', joinPath(report.appPath, report.staticDir))}`;

  const user = bun ? 'bun' : 'node';
  const port = report.portFromEnv ? 8080 : (report.port ?? 8080);
  const env = `ENV NODE_ENV=production \\\n    PORT=${port}`;
  if (report.framework === 'nextjs' && report.commands.start?.includes('.next/standalone')) {
    return `${stage}
RUN mkdir -p public

FROM ${base}
${env} \\
    HOSTNAME=0.0.0.0
WORKDIR /app
COPY --from=build --chown=${user}:${user} /app/.next/standalone ./
COPY --from=build --chown=${user}:${user} /app/.next/static ./.next/static
COPY --from=build --chown=${user}:${user} /app/public ./public
USER ${user}
EXPOSE ${port}
CMD ["node", "server.js"]
`;
  }
  const workdir = report.appPath === '.' ? '/app' : `/app/${report.appPath}`;
  return `${stage}

FROM ${base}
${env}
WORKDIR /app
${corepack}COPY --from=build --chown=${user}:${user} /app ./
WORKDIR ${workdir}
USER ${user}
EXPOSE ${port}
${cmd(report.commands.start ?? 'node server.js')}
`;
}

function joinPath(appPath: string, dir: string): string {
  return appPath === '.' ? dir : dir === '.' ? appPath : `${appPath}/${dir}`;
}
