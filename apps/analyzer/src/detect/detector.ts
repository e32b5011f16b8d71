import type { ServiceReport } from '#contracts';
import type { SourceTree } from './source-tree.js';

/** One ecosystem's detector: says whether it recognises the app, then fills the report with evidence. */
export interface Detector {
  readonly name: string;
  matches(tree: SourceTree): Promise<boolean>;
  detect(tree: SourceTree, appPath: string): Promise<ServiceReport>;
}
