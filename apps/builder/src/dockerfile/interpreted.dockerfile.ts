import type { AnalysisReport } from '#contracts';
import { appNoun, ADD_APP_USER, cmd, header, runAll, versionOf, portOf } from './dockerfile-parts.js';
import type { ToolchainPin } from './dockerfile-parts.js';

/** Ruby: gems into /app/vendor/bundle (native extensions built in the build stage), slim runtime. */
export function rubyDockerfile(report: AnalysisReport): string {
  const base = `ruby:${versionOf(report.runtime.version, '3.3', 2)}-slim`;
  const port = portOf(report);
  return `${header(report, appNoun(report.framework, 'Ruby'))}FROM ${base} AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential git libpq-dev libyaml-dev pkg-config && rm -rf /var/lib/apt/lists/*
ENV BUNDLE_PATH=/app/vendor/bundle BUNDLE_DEPLOYMENT=1 RAILS_ENV=production RACK_ENV=production
WORKDIR /app
COPY Gemfile* gems.rb* gems.locked* ./
${runAll(report.commands.install)}COPY . .
${report.commands.build.length ? runAll(report.commands.build, 'SECRET_KEY_BASE_DUMMY=1 ') : ''}
FROM ${base}
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 libyaml-0-2 && rm -rf /var/lib/apt/lists/*
ENV BUNDLE_PATH=/app/vendor/bundle BUNDLE_DEPLOYMENT=1 BUNDLE_WITHOUT="development:test" \\
    RAILS_ENV=production RACK_ENV=production RAILS_LOG_TO_STDOUT=1 PORT=${port}
${ADD_APP_USER}WORKDIR /app
COPY --from=build --chown=app:app /app /app
USER app
EXPOSE ${port}
${cmd(report.commands.start ?? 'bundle exec rackup -o 0.0.0.0 -p ${PORT:-8080}')}
`;
}

/** PHP: Composer dependencies, front-end assets built on Node when the app has them, FrankenPHP as www-data. */
export function phpDockerfile(report: AnalysisReport): string {
  const php = versionOf(report.runtime.version, '8.3', 2);
  const port = portOf(report);
  const npm = report.commands.build.filter((c) => /^(npm|yarn|pnpm)\b/.test(c));
  const other = report.commands.build.filter((c) => !npm.includes(c));
  const assets = npm.length
    ? `FROM node:22-slim AS assets
WORKDIR /app
COPY . .
${runAll(npm)}
`
    : '';
  return `${header(report, appNoun(report.framework, 'PHP'))}${assets}FROM dunglas/frankenphp:1-php${php} AS build
COPY --from=composer:2 /usr/bin/composer /usr/bin/composer
WORKDIR /app
COPY composer.json* composer.lock* ./
RUN --mount=type=cache,target=/root/.composer/cache ${report.commands.install.length ? report.commands.install.join(' && ').replace('composer install', 'composer install --no-scripts') : 'true'}
COPY . .
${npm.length ? 'COPY --from=assets /app/public /app/public\n' : ''}${runAll(other)}${report.commands.install.length ? 'RUN composer dump-autoload --optimize --no-dev\n' : ''}
FROM dunglas/frankenphp:1-php${php}
ENV PORT=${port} SERVER_NAME=:${port}
WORKDIR /app
COPY --from=build --chown=www-data:www-data /app /app
RUN chown -R www-data:www-data /data /config
USER www-data
EXPOSE ${port}
${cmd(report.commands.start ?? 'frankenphp php-server --listen 0.0.0.0:${PORT:-8080} --root public/')}
`;
}

/** Deno: dependencies cached at build time, run as the image's `deno` user. */
export function denoDockerfile(report: AnalysisReport, toolchain?: ToolchainPin | null): string {
  const port = portOf(report);
  const entry = /\b([\w./-]+\.(?:ts|js|tsx|mjs))\b/.exec(report.commands.start ?? '')?.[1];
  return `${header(report, 'a Deno app')}FROM denoland/deno:${toolchain?.tool === 'deno' ? toolchain.version : '2.1.4'}
ENV PORT=${port} DENO_DIR=/app/.deno
WORKDIR /app
COPY . .
${entry ? `RUN deno cache ${entry}\n` : ''}RUN chown -R deno:deno /app
USER deno
EXPOSE ${port}
${cmd(report.commands.start ?? 'deno run --allow-all main.ts')}
`;
}

/** A repository started by its own shell script, on Debian slim as an unprivileged user. */
export function shellDockerfile(report: AnalysisReport): string {
  const port = portOf(report);
  return `${header(report, 'an app started by a shell script')}FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates ${report.runtime.name === 'zsh' ? 'zsh ' : ''}&& rm -rf /var/lib/apt/lists/*
ENV PORT=${port}
${ADD_APP_USER}WORKDIR /app
COPY --chown=app:app . .
USER app
EXPOSE ${port}
${cmd(report.commands.start ?? 'sh start.sh')}
`;
}
