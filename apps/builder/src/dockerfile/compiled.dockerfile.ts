import type { AnalysisReport } from '#contracts';
import { parseCommand } from '#common';
import { appNoun, ADD_APP_USER, cmd, header, runAll, versionOf, portOf } from './dockerfile-parts.js';

/** Go: a static binary (CGO off) built with module and build caches, run from distroless as nonroot. */
export function goDockerfile(report: AnalysisReport): string {
  const version = versionOf(report.runtime.version, '1.23', 2);
  const port = portOf(report);
  const build = report.commands.build.map((c) => c.replace(/-o out\b/, '-o /app/out')).join(' && ');
  return `${header(report, appNoun(report.framework, 'Go'))}FROM golang:${version} AS build
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
WORKDIR /app
COPY go.mod go.sum* go.work* ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build ${build || 'go build -o /app/out .'}

FROM gcr.io/distroless/static-debian12:nonroot
ENV PORT=${port}
WORKDIR /app
COPY --from=build /app/out /app/out
USER nonroot:nonroot
EXPOSE ${port}
CMD ["/app/out"]
`;
}

/** Rust: cargo with registry and target caches; the release binary alone on distroless/cc. */
export function rustDockerfile(report: AnalysisReport): string {
  const version = versionOf(report.runtime.version, '1.83', 2);
  const port = portOf(report);
  // The binary's name goes into paths below: Cargo's grammar only (the analyzer refuses anything else).
  const binary = /^\.\/bin\/([A-Za-z0-9_-]+)$/.exec(report.commands.start ?? '')?.[1] ?? 'app';
  return `${header(report, appNoun(report.framework, 'Rust'))}FROM rust:${version}-slim AS build
WORKDIR /app
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry --mount=type=cache,target=/app/target ${report.commands.build.join(' && ')}

FROM gcr.io/distroless/cc-debian12:nonroot
ENV PORT=${port} ROCKET_ADDRESS=0.0.0.0
WORKDIR /app
COPY --from=build /app/bin/${binary} /app/bin/${binary}
USER nonroot:nonroot
EXPOSE ${port}
CMD ["/app/bin/${binary}"]
`;
}

/** Java: Maven or Gradle (or their wrappers) on a JDK; only the built jar folder on a JRE. */
export function javaDockerfile(report: AnalysisReport): string {
  const jdk = versionOf(report.runtime.version, '21');
  const port = portOf(report);
  const buildCommand = report.commands.build.join(' && ');
  const gradle = /gradle/.test(buildCommand);
  const wrapper = /^\.\/(mvnw|gradlew)/.test(buildCommand);
  const image = wrapper ? `eclipse-temurin:${jdk}-jdk` : gradle ? `gradle:8.11-jdk${jdk}` : `maven:3.9-eclipse-temurin-${jdk}`;
  const cache = gradle ? '/root/.gradle' : '/root/.m2';
  const start = report.commands.start ?? 'java -jar target/*.jar';
  if (report.commands.build.length === 0) {
    // Nothing to build (a checked-in jar, an exploded jar, or one source file that `java` runs as it is).
    const runtime = /\.java\b/.test(start) ? 'jdk' : 'jre';
    return `${header(report, appNoun(report.framework, 'Java'))}FROM eclipse-temurin:${jdk}-${runtime}
ENV PORT=${port} \\
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
${ADD_APP_USER}WORKDIR /app
COPY --chown=app:app . .
USER app
EXPOSE ${port}
${cmd(start)}
`;
  }
  // Copy just the folder holding the jar(s) the start command runs.
  const jarPath = /((?:[\w.-]+\/)*(?:target|build\/libs)(?:\/[\w.-]+)*?)\/[^/\s)]*\.jar/.exec(start)?.[1] ?? 'target';
  return `${header(report, appNoun(report.framework, 'Java'))}FROM ${image} AS build
WORKDIR /app
COPY . .
RUN --mount=type=cache,target=${cache} ${buildCommand}

${jreStage(port, jarPath, jdk, start)}`;
}

/** The runtime stage of a JVM app: the built folder (a jar, a staged app) on the JRE as an unprivileged user. */
export function jreStage(port: number, folder: string, jdk: string, start: string): string {
  return `FROM eclipse-temurin:${jdk}-jre
ENV PORT=${port} \\
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
${ADD_APP_USER}WORKDIR /app
COPY --from=build --chown=app:app /app/${folder} /app/${folder}
USER app
EXPOSE ${port}
${cmd(start)}
`;
}

/** .NET: restore and publish on the SDK image; the published folder on the ASP.NET runtime as its `app` user. */
export function dotnetDockerfile(report: AnalysisReport): string {
  const version = versionOf(report.runtime.version, '8.0', 2);
  const major = Number(version.split('.')[0]);
  const port = portOf(report);
  const start = report.commands.start ?? 'dotnet out/app.dll';
  // .NET 8+ images ship the unprivileged `app` user; older ones get one.
  const user = major >= 8 ? 'USER $APP_UID\n' : `${ADD_APP_USER}USER app\n`;
  const runtime = `mcr.microsoft.com/dotnet/${report.framework === 'aspnet-core' ? 'aspnet' : 'runtime'}:${version}`;
  const launch = cmd(
    parseCommand(start).compound ? `export ASPNETCORE_URLS=http://+:\${PORT:-${port}}; ${start}` : `ASPNETCORE_URLS=http://+:\${PORT:-${port}} ${start}`,
  );
  if (report.commands.build.length === 0) {
    // Published already (the repository holds the .dll and its runtimeconfig): nothing to compile.
    return `${header(report, appNoun(report.framework, '.NET'))}FROM ${runtime}
ENV PORT=${port} DOTNET_RUNNING_IN_CONTAINER=true
WORKDIR /app
COPY . .
${user}EXPOSE ${port}
${launch}
`;
  }
  return `${header(report, appNoun(report.framework, '.NET'))}FROM mcr.microsoft.com/dotnet/sdk:${version} AS build
WORKDIR /app
COPY . .
RUN --mount=type=cache,target=/root/.nuget/packages ${[...report.commands.install, ...report.commands.build].join(' && ')}

FROM ${runtime}
ENV PORT=${port} DOTNET_RUNNING_IN_CONTAINER=true
WORKDIR /app
COPY --from=build /app/out /app/out
${user}EXPOSE ${port}
${launch}
`;
}

/** Elixir: `mix release` on the Elixir image; the self-contained release on Debian slim. */
export function elixirDockerfile(report: AnalysisReport): string {
  const version = versionOf(report.runtime.version, '1.17', 2);
  const port = portOf(report);
  const start = report.commands.start ?? '';
  const release = /(_build\/prod\/rel\/[\w-]+)/.exec(start)?.[1] ?? '_build/prod/rel';
  return `${header(report, appNoun(report.framework, 'Elixir'))}FROM elixir:${version}-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential git ca-certificates && rm -rf /var/lib/apt/lists/*
ENV MIX_ENV=prod
WORKDIR /app
COPY mix.exs mix.lock* ./
COPY config config
RUN --mount=type=cache,target=/root/.hex ${report.commands.install.join(' && ') || 'mix deps.get --only prod'}
COPY . .
${runAll(report.commands.build)}
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libstdc++6 openssl libncurses6 locales ca-certificates && rm -rf /var/lib/apt/lists/*
ENV LANG=C.UTF-8 PHX_SERVER=true PORT=${port}
${ADD_APP_USER}WORKDIR /app
COPY --from=build --chown=app:app /app/${release} /app/${release}
USER app
EXPOSE ${port}
${cmd(start || 'bin/app start')}
`;
}

/** Dart: `dart compile exe` on the Dart image; the native binary with the runtime files it needs on distroless. */
export function dartDockerfile(report: AnalysisReport): string {
  const port = portOf(report);
  const build = report.commands.build.length > 0 ? report.commands.build.join(' && ') : 'dart compile exe bin/server.dart -o bin/server';
  return `${header(report, appNoun(report.framework, 'Dart'))}FROM dart:3 AS build
WORKDIR /app
COPY pubspec.* ./
RUN --mount=type=cache,target=/root/.pub-cache dart pub get
COPY . .
RUN --mount=type=cache,target=/root/.pub-cache dart pub get --offline && ${build}

FROM gcr.io/distroless/base-debian12:nonroot
ENV PORT=${port}
COPY --from=build /runtime/ /
COPY --from=build /app/bin/server /app/bin/server
WORKDIR /app
USER nonroot:nonroot
EXPOSE ${port}
CMD ["/app/bin/server"]
`;
}
