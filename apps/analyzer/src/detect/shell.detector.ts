import type { ServiceReport } from '#contracts';
import type { Detector } from './detector.js';
import type { SourceTree } from './source-tree.js';

const SCRIPTS = ['start.sh', 'run.sh', 'entrypoint.sh'];

/** A repository whose entry point is a shell script, run with the shell its shebang names. */
export class ShellDetector implements Detector {
  readonly name = 'shell';

  async matches(tree: SourceTree): Promise<boolean> {
    return (await this.script(tree)) !== null;
  }

  async detect(tree: SourceTree, appPath: string): Promise<ServiceReport> {
    const { file, text } = (await this.script(tree))!;
    const shell = /^#!\s*(?:\/usr\/bin\/env\s+)?(?:\/\S*\/)?(bash|zsh|sh|dash)\b/.exec(text)?.[1] ?? 'sh';
    const portFromEnv = /\$\{?PORT\b/.test(text);
    return {
      language: 'shell',
      framework: null,
      runtime: { name: shell, version: null },
      packageManager: null,
      commands: { install: [], build: [], start: `${shell} ${file}` },
      port: null,
      portFromEnv,
      env: [],
      appPath,
      evidence: [
        { field: 'commands.start', file, line: 1, reason: `${file} is the entry point, run with ${shell}` },
        ...(portFromEnv ? [{ field: 'portFromEnv', file, reason: 'reads PORT from the environment' }] : []),
      ],
      confidence: 0.6,
      warnings: [],
    };
  }

  private async script(tree: SourceTree): Promise<{ file: string; text: string } | null> {
    for (const file of SCRIPTS) {
      const text = await tree.read(file);
      if (text !== null) return { file, text };
    }
    return null;
  }
}
