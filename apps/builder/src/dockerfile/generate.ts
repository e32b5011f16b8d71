import type { AnalysisReport } from '#contracts';
import { DomainError } from '#common';
import { assertPlanPolicy } from '../plan-policy.js';
import { dartDockerfile, dotnetDockerfile, elixirDockerfile, goDockerfile, javaDockerfile, rustDockerfile } from './compiled.dockerfile.js';
import { dockerignore, type ToolchainPin } from './dockerfile-parts.js';
import { denoDockerfile, phpDockerfile, rubyDockerfile, shellDockerfile } from './interpreted.dockerfile.js';
import { nodeDockerfile } from './node.dockerfile.js';
import { pythonDockerfile } from './python.dockerfile.js';
import { clojureDockerfile, crystalDockerfile, haskellDockerfile, scalaDockerfile, swiftDockerfile, zigDockerfile } from './toolchain.dockerfile.js';
import { staticDockerfile } from './static.dockerfile.js';

const GENERATORS: Record<string, (report: AnalysisReport, toolchain?: ToolchainPin | null) => string> = {
  node: nodeDockerfile,
  deno: denoDockerfile,
  python: pythonDockerfile,
  go: goDockerfile,
  rust: rustDockerfile,
  java: javaDockerfile,
  dotnet: dotnetDockerfile,
  dart: dartDockerfile,
  elixir: elixirDockerfile,
  ruby: rubyDockerfile,
  php: phpDockerfile,
  static: staticDockerfile,
  shell: shellDockerfile,
  clojure: clojureDockerfile,
  scala: scalaDockerfile,
  crystal: crystalDockerfile,
  swift: swiftDockerfile,
  zig: zigDockerfile,
  haskell: haskellDockerfile,
};

export interface BuildPlan {
  dockerfile: string;
  dockerignore: string;
  /** True when the repository's own Dockerfile is used as it is. */
  own: boolean;
}

/**
 * The Dockerfile and .dockerignore for an analysis report. A repository's own Dockerfile
 * (`ownDockerfile`, its text) is used as it is; otherwise one is generated for the language, pinning
 * the toolchain version chosen for the build (`toolchain`) when there is one.
 */
export function planBuild(report: AnalysisReport, ownDockerfile?: string | null, toolchain?: { version: string; request: { tool: string } } | null): BuildPlan {
  if (report.dockerfile && ownDockerfile) return { dockerfile: ownDockerfile, dockerignore: dockerignore(report), own: true };
  const generate = GENERATORS[report.language];
  if (!generate) {
    throw new DomainError(
      'UNSUPPORTED_APP',
      `ServerGem cannot build ${report.language} apps yet.`,
      'Add a Dockerfile to the repository and ServerGem will build it as it is.',
    );
  }
  if (!report.commands.start && !report.staticDir) {
    throw new DomainError(
      'UNSUPPORTED_APP',
      'ServerGem found no way to start this app.',
      report.warnings[0] ?? 'Add a start command (a start script, a Procfile web: line or a Dockerfile).',
    );
  }
  // Every value is checked before any of it is written into Dockerfile directives.
  assertPlanPolicy(report);
  const pin = toolchain ? { tool: toolchain.request.tool, version: toolchain.version } : null;
  return { dockerfile: generate(report, pin), dockerignore: dockerignore(report), own: false };
}
