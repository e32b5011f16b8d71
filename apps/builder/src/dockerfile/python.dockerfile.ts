import type { AnalysisReport } from '#contracts';
import { appNoun, ADD_APP_USER, cmd, header, runAll, versionOf } from './dockerfile-parts.js';

const TOOLS: Record<string, string> = {
  poetry: 'pip install --no-cache-dir poetry==1.8.5',
  uv: 'pip install --no-cache-dir uv==0.5.11',
  pipenv: 'pip install --no-cache-dir pipenv==2024.4.0',
  pdm: 'pip install --no-cache-dir pdm==2.22.1',
};

const MANIFESTS = 'requirements*.txt* pyproject.toml* poetry.lock* uv.lock* Pipfile* pdm.lock* setup.py* setup.cfg*';

/**
 * Python: every package manager installs into one virtualenv at /app/.venv (the same path in
 * both stages), from the manifests before the source; the runtime is the same slim image without
 * the build tools, running as an unprivileged user.
 */
export function pythonDockerfile(report: AnalysisReport): string {
  const base = `python:${versionOf(report.runtime.version, '3.12', 2)}-slim`;
  const manager = report.packageManager ?? 'pip';
  const tool = TOOLS[manager] ? `RUN ${TOOLS[manager]}\n` : '';
  const install = report.commands.install.map((c) => `RUN --mount=type=cache,target=/root/.cache ${c}\n`).join('');
  const port = report.portFromEnv ? 8080 : (report.port ?? 8080);
  return `${header(report, appNoun(report.framework, 'Python'))}FROM ${base} AS build
ENV PYTHONDONTWRITEBYTECODE=1 \\
    PIP_DISABLE_PIP_VERSION_CHECK=1 \\
    VIRTUAL_ENV=/app/.venv \\
    UV_PROJECT_ENVIRONMENT=/app/.venv \\
    POETRY_VIRTUALENVS_CREATE=false \\
    PATH=/app/.venv/bin:$PATH
WORKDIR /app
${tool}RUN python -m venv /app/.venv
COPY ${MANIFESTS} ./
${install}COPY . .
${runAll(report.commands.build)}
FROM ${base}
ENV PYTHONUNBUFFERED=1 \\
    PYTHONDONTWRITEBYTECODE=1 \\
    VIRTUAL_ENV=/app/.venv \\
    PATH=/app/.venv/bin:$PATH \\
    PORT=${port}
${ADD_APP_USER}WORKDIR /app
COPY --from=build --chown=app:app /app /app
USER app
EXPOSE ${port}
${cmd(report.commands.start ?? 'python main.py')}
`;
}
