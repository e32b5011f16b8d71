import type { ServiceReport } from '#contracts';
import type { Detector } from './detector.js';
import type { SourceTree } from './source-tree.js';

/** Languages ServerGem recognises but does not build yet, and the files that give them away. */
const LANGUAGES: { language: string; files: string[]; extensions?: string[] }[] = [
  { language: 'gleam', files: ['gleam.toml'] },
  // Flutter front-ends; Dart servers have a detector of their own.
  { language: 'dart', files: ['pubspec.yaml'] },
  { language: 'cpp', files: ['CMakeLists.txt', 'meson.build'] },
  { language: 'cobol', files: [], extensions: ['.cbl', '.cob'] },
  { language: 'scheme', files: [], extensions: ['.scm'] },
];

/**
 * Names the language of a repository ServerGem cannot build yet, so the user hears exactly that
 * (and that a Dockerfile of their own works) instead of "unknown app".
 */
export class OtherLanguagesDetector implements Detector {
  readonly name = 'other-languages';

  async matches(tree: SourceTree): Promise<boolean> {
    return (await this.find(tree)) !== null;
  }

  async detect(tree: SourceTree, appPath: string): Promise<ServiceReport> {
    const { language, file } = (await this.find(tree))!;
    return {
      language,
      framework: null,
      runtime: { name: language, version: null },
      packageManager: null,
      commands: { install: [], build: [], start: null },
      port: null,
      portFromEnv: false,
      env: [],
      appPath,
      evidence: [{ field: 'language', file, reason: `${file} belongs to a ${language} project` }],
      confidence: 0.4,
      warnings: [`ServerGem recognises ${language} but cannot build it yet; add a Dockerfile to the repository and it will be used as it is.`],
    };
  }

  private async find(tree: SourceTree): Promise<{ language: string; file: string } | null> {
    const files = await tree.files(2000);
    const topLevel = files.filter((f) => !f.includes('/') || f.split('/').length <= 2);
    for (const entry of LANGUAGES) {
      for (const file of entry.files) if (await tree.exists(file)) return { language: entry.language, file };
      const byExtension = topLevel.find((f) => entry.extensions?.some((ext) => f.endsWith(ext)));
      if (byExtension) return { language: entry.language, file: byExtension };
    }
    return null;
  }
}
