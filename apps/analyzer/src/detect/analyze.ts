import type { AnalysisReport, ServiceReport } from '#contracts';
import { DomainError } from '#common';
import type { Detector } from './detector.js';
import { NodeDetector } from './node.detector.js';
import { SourceTree } from './source-tree.js';

/**
 * Language detectors, most specific manifest first: a Rails, Laravel, Django or Phoenix app often
 * carries a package.json for its assets, so Node.js is asked after them.
 */
export const DETECTORS: readonly Detector[] = [new NodeDetector()];

/** Analyzes a checked-out repository (or one app of it) into the report of shared/DESIGN.md. */
export async function analyzeSource(root: string, appPath = '.', detectors: readonly Detector[] = DETECTORS): Promise<AnalysisReport> {
  const repo = await SourceTree.open(root);
  const tree = await repo.sub(appPath);
  if (!tree) {
    throw new DomainError('UNSUPPORTED_APP', `The repository has no folder "${appPath}".`, 'Check the app path and try again.');
  }
  const report = await detectWith(tree, appPath, detectors);
  if (!report) {
    const seen = (await tree.files(40)).slice(0, 12).join(', ') || 'no files';
    throw new DomainError(
      'UNSUPPORTED_APP',
      `ServerGem could not tell what kind of app this is (it found: ${seen}).`,
      'Point at the app folder with appPath if it lives in a sub-folder, or add a Dockerfile.',
    );
  }
  return { ...report, services: [] };
}

async function detectWith(tree: SourceTree, appPath: string, detectors: readonly Detector[]): Promise<ServiceReport | null> {
  for (const detector of detectors) {
    if (await detector.matches(tree)) return detector.detect(tree, appPath);
  }
  return null;
}
