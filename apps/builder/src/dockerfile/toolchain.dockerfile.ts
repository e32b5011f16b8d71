import type { AnalysisReport } from '#contracts';
import { jreStage } from './compiled.dockerfile.js';
import { appNoun, ADD_APP_USER, cmd, header, runAll, portOf } from './dockerfile-parts.js';

/** The folder of the start command's artifact, up to its first wildcard: what the runtime stage copies. */
function artifactFolder(start: string, pattern: RegExp, fallback: string): string {
  const path = pattern.exec(start)?.[1] ?? fallback;
  const parts = path.split('/');
  const glob = parts.findIndex((p) => p.includes('*'));
  return (glob >= 0 ? parts.slice(0, glob) : parts.slice(0, -1)).join('/') || fallback;
}

const JAR = /-jar\s+(\S+\.jar)\b/;

/** A jar (or staged app) on the JRE: the runtime stage of Clojure and Scala. */
function jvmRuntime(report: AnalysisReport, folder: string, jdk: string): string {
  return jreStage(portOf(report), folder, jdk, report.commands.start!);
}

/** Clojure: Leiningen or the Clojure CLI (tools.build) makes an uberjar; the jar alone runs on the JRE. */
export function clojureDockerfile(report: AnalysisReport): string {
  const lein = report.packageManager === 'leiningen';
  const folder = artifactFolder(report.commands.start ?? '', JAR, 'target');
  return `${header(report, appNoun(report.framework, 'Clojure'))}FROM clojure:temurin-21-${lein ? 'lein' : 'tools-deps'} AS build
WORKDIR /app
${lein ? 'COPY project.clj ./\n' : 'COPY deps.edn ./\n'}${runAll(report.commands.install, '--mount=type=cache,target=/root/.m2 ')}COPY . .
${runAll(report.commands.build, '--mount=type=cache,target=/root/.m2 ')}
${jvmRuntime(report, folder, '21')}`;
}

/** Scala: sbt stages the app (sbt-native-packager) or assembles one jar; the result runs on the JRE. */
export function scalaDockerfile(report: AnalysisReport): string {
  const start = report.commands.start ?? '';
  const folder = start.startsWith('./target/universal/stage/') ? 'target/universal/stage' : artifactFolder(start, JAR, 'target');
  return `${header(report, appNoun(report.framework, 'Scala'))}FROM sbtscala/scala-sbt:eclipse-temurin-17.0.4_1.7.1_3.2.0 AS build
WORKDIR /app
COPY build.sbt ./
COPY project project
RUN --mount=type=cache,target=/root/.cache/coursier --mount=type=cache,target=/root/.ivy2 sbt update
COPY . .
${runAll(report.commands.build, '--mount=type=cache,target=/root/.cache/coursier --mount=type=cache,target=/root/.ivy2 ')}
${jvmRuntime(report, folder, '17')}`;
}

/** The binary a start command runs, when it is one of ServerGem's own plain paths (`./bin/app`). */
function binaryOf(report: AnalysisReport, prefix: string): string {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\./${escaped}/([A-Za-z0-9][A-Za-z0-9_.-]*)(?:\\s|$)`).exec(report.commands.start ?? '')?.[1] ?? 'app';
}

/** Crystal: a static binary from `shards build --static` on Alpine, alone on distroless. */
export function crystalDockerfile(report: AnalysisReport): string {
  const port = portOf(report);
  const binary = binaryOf(report, 'bin');
  return `${header(report, appNoun(report.framework, 'Crystal'))}FROM crystallang/crystal:1.14.0-alpine AS build
WORKDIR /app
COPY shard.yml shard.lock* ./
${runAll(report.commands.install)}COPY . .
${runAll(report.commands.build)}
FROM gcr.io/distroless/static-debian12:nonroot
ENV PORT=${port}
WORKDIR /app
COPY --from=build /app/bin/${binary} /app/bin/${binary}
USER nonroot:nonroot
EXPOSE ${port}
${cmd(report.commands.start!)}
`;
}

/** Swift: a release build with the standard library linked in, with the app's Public/ and Resources/, on the slim Swift image. */
export function swiftDockerfile(report: AnalysisReport): string {
  const port = portOf(report);
  const binary = binaryOf(report, '.build/release');
  const cache = '--mount=type=cache,target=/app/.build ';
  return `${header(report, appNoun(report.framework, 'Swift'))}FROM swift:6.0-jammy AS build
WORKDIR /app
COPY Package.* ./
${runAll(report.commands.install, cache)}COPY . .
RUN ${cache}${report.commands.build.join(' && ')} && mkdir -p /staging/.build/release && cp .build/release/${binary} /staging/.build/release/ && for d in Public Resources; do if [ -d "$d" ]; then cp -R "$d" /staging/; fi; done

FROM swift:6.0-jammy-slim
ENV PORT=${port}
${ADD_APP_USER}WORKDIR /app
COPY --from=build --chown=app:app /staging /app
USER app
EXPOSE ${port}
${cmd(report.commands.start!)}
`;
}

/** Zig: `zig build` from Alpine's zig package; the installed executable on Alpine. */
export function zigDockerfile(report: AnalysisReport): string {
  const port = portOf(report);
  const binary = binaryOf(report, 'zig-out/bin');
  return `${header(report, appNoun(report.framework, 'Zig'))}FROM alpine:3.21 AS build
RUN apk add --no-cache zig
WORKDIR /app
COPY . .
${runAll(report.commands.build, '--mount=type=cache,target=/root/.cache/zig ')}
FROM alpine:3.21
ENV PORT=${port}
RUN addgroup -S -g 10001 app && adduser -S -u 10001 -G app -h /app app
WORKDIR /app
COPY --from=build --chown=app:app /app/zig-out/bin/${binary} /app/zig-out/bin/${binary}
USER app
EXPOSE ${port}
${cmd(report.commands.start!)}
`;
}

/** Haskell: Stack or Cabal on the Haskell image install the executable to bin/; it runs on Debian slim with libgmp. */
export function haskellDockerfile(report: AnalysisReport): string {
  const port = portOf(report);
  const binary = binaryOf(report, 'bin');
  const stack = report.packageManager === 'stack';
  const cache = stack ? '--mount=type=cache,target=/root/.stack ' : '--mount=type=cache,target=/root/.cabal ';
  return `${header(report, appNoun(report.framework, 'Haskell'))}FROM haskell:9.8 AS build
WORKDIR /app
COPY . .
${runAll([...report.commands.install, ...report.commands.build], cache)}
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libgmp10 libffi8 zlib1g ca-certificates && rm -rf /var/lib/apt/lists/*
ENV PORT=${port} LANG=C.UTF-8
${ADD_APP_USER}WORKDIR /app
COPY --from=build --chown=app:app /app/bin/${binary} /app/bin/${binary}
USER app
EXPOSE ${port}
${cmd(report.commands.start!)}
`;
}
