import type { AnalysisReport, ServiceReport } from '#contracts';
import { DomainError } from '#common';
import { COMPILED_LANGUAGE_DETECTORS } from './compiled-languages.detector.js';
import { DartDetector } from './dart.detector.js';
import type { Detector } from './detector.js';
import { DotnetDetector } from './dotnet.detector.js';
import { ElixirDetector } from './elixir.detector.js';
import { GoDetector } from './go.detector.js';
import { JavaDetector } from './java.detector.js';
import { NodeDetector } from './node.detector.js';
import { PhpDetector } from './php.detector.js';
import { PythonDetector } from './python.detector.js';
import { RubyDetector } from './ruby.detector.js';
import { RustDetector } from './rust.detector.js';
import { DenoDetector } from './deno.detector.js';
import { OtherLanguagesDetector } from './other-languages.detector.js';
import { isValidValue, refusal } from './manifest-values.js';
import { applyOverlays, dockerOnlyReport } from './overlays.js';
import { ShellDetector } from './shell.detector.js';
import { SourceTree } from './source-tree.js';
import { StaticDetector } from './static.detector.js';
import { workspaceFolders } from './workspaces.js';

/**
 * Language detectors, most specific manifest first: a Rails, Laravel, Django or Phoenix app often
 * carries a package.json for its assets, so Node.js is asked after them.
 */
export const DETECTORS: readonly Detector[] = [
  new DenoDetector(),
  new StaticDetector('generators'),
  new PythonDetector(),
  new RubyDetector(),
  new PhpDetector(),
  new GoDetector(),
  new RustDetector(),
  new JavaDetector(),
  new DotnetDetector(),
  new ElixirDetector(),
  new DartDetector(),
  ...COMPILED_LANGUAGE_DETECTORS,
  new NodeDetector(),
  new StaticDetector('plain-html'),
  new ShellDetector(),
  new OtherLanguagesDetector(),
];

/** Analyzes a checked-out repository (or one app of it) into the report of shared/DESIGN.md. */
export async function analyzeSource(root: string, appPath = '.', detectors: readonly Detector[] = DETECTORS): Promise<AnalysisReport> {
  const repo = await SourceTree.open(root);
  const tree = await repo.sub(appPath);
  if (!tree) {
    throw new DomainError('UNSUPPORTED_APP', `The repository has no folder "${appPath}".`, 'Check the app path and try again.');
  }
  const report = await detectWith(tree, appPath, detectors);
  const refused: string[] = [];
  const services = appPath === '.' ? await detectServices(repo, detectors, refused) : [];
  if (report && (isDeployable(report) || services.length === 0)) {
    const out = withServicePort(report, services);
    return { ...out, services, warnings: [...out.warnings, ...refused] };
  }
  if (services.length > 0) {
    const [first] = services;
    return {
      ...first!,
      services,
      warnings: [
        ...first!.warnings,
        ...refused,
        `This repository holds ${services.length} apps (${services.map((s) => s.appPath).join(', ')}); analyzed ${first!.appPath}. Choose one with appPath.`,
      ],
    };
  }
  // The folder's own file names stay out of the message: for a local folder they are the host's.
  const empty = (await tree.files(1)).length === 0;
  throw new DomainError(
    'UNSUPPORTED_APP',
    empty
      ? 'ServerGem could not tell what kind of app this is: the folder is empty.'
      : 'ServerGem could not tell what kind of app this is: it holds no project file ServerGem knows (such as package.json, requirements.txt, pyproject.toml, go.mod, Cargo.toml, pom.xml, Gemfile, composer.json, mix.exs, index.html or a Dockerfile).',
    'Point at the app folder with appPath if it lives in a sub-folder, or add a Dockerfile.',
  );
}

async function detectWith(tree: SourceTree, appPath: string, detectors: readonly Detector[]): Promise<ServiceReport | null> {
  for (const detector of detectors) {
    if (await detector.matches(tree)) return finish(await applyOverlays(tree, await detector.detect(tree, appPath)));
  }
  const docker = await dockerOnlyReport(tree, appPath);
  return docker ? finish(await applyOverlays(tree, docker)) : null;
}

/** Every deployable app of a monorepo, each analyzed in its own folder. */
async function detectServices(repo: SourceTree, detectors: readonly Detector[], warnings: string[]): Promise<ServiceReport[]> {
  const workspace = await workspaceFolders(repo);
  if (!workspace) return [];
  const services: ServiceReport[] = [];
  for (const folder of workspace.folders.slice(0, 50)) {
    // A service's folder becomes its WORKDIR and build paths: a plain relative path, or it is skipped.
    if (!isValidValue('repo-path', folder)) {
      warnings.push(refusal('repo-path', folder, workspace.source));
      continue;
    }
    const sub = await repo.sub(folder);
    const report = sub ? await detectWith(sub, folder, detectors) : null;
    if (report && isDeployable(report) && !isLibrary(report)) {
      services.push({
        ...report,
        evidence: [...report.evidence, { field: 'appPath', file: folder, reason: `a deployable app listed by ${workspace.source}` }],
      });
    }
  }
  return services;
}

/** A root that starts its workspace apps (`turbo run start`) listens where its one web app does. */
function withServicePort(report: ServiceReport, services: ServiceReport[]): ServiceReport {
  const web = services.filter((s) => s.port !== null && !s.staticDir);
  if (report.port !== null || web.length !== 1) return report;
  const [app] = web;
  return {
    ...report,
    port: app!.port,
    portFromEnv: report.portFromEnv || app!.portFromEnv,
    evidence: [...report.evidence, { field: 'port', file: app!.appPath, reason: `the workspace's one web app, ${app!.appPath}, listens on ${app!.port}` }],
  };
}

/** A workspace package whose only "start" is its `main` entry, with no port: a library, not an app. */
function isLibrary(report: ServiceReport): boolean {
  const start = report.evidence.find((e) => e.field === 'commands.start');
  return Boolean(start?.reason.startsWith('"main" is')) && report.port === null && !report.portFromEnv;
}

function isDeployable(report: ServiceReport): boolean {
  return report.commands.start !== null || Boolean(report.staticDir) || Boolean(report.dockerfile);
}

function finish(report: ServiceReport): ServiceReport {
  return { ...report, staticDir: report.staticDir ?? null, dockerfile: report.dockerfile ?? null };
}
