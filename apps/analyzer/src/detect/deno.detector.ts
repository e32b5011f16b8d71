import type { Evidence, ServiceReport } from '#contracts';
import type { Detector } from './detector.js';
import { parseJsonc } from './jsonc.js';
import { EnvCollector } from './env-vars.js';
import { lineOf, type SourceTree } from './source-tree.js';

interface DenoConfig {
  tasks?: Record<string, string>;
}

const ENTRIES = ['main.ts', 'mod.ts', 'server.ts', 'src/main.ts', 'src/index.ts', 'index.ts', 'main.js'];

/** Deno: `deno.json(c)`, its `start` task or a main module. */
export class DenoDetector implements Detector {
  readonly name = 'deno';

  async matches(tree: SourceTree): Promise<boolean> {
    if ((await tree.exists('deno.json')) || (await tree.exists('deno.jsonc'))) return true;
    // No config, but TypeScript that imports from deno.land and no package.json.
    if (await tree.exists('package.json')) return false;
    return (await this.denoModule(tree)) !== null;
  }

  private async denoModule(tree: SourceTree): Promise<string | null> {
    for (const file of (await tree.files(500)).filter((f) => /\.tsx?$/.test(f)).slice(0, 50)) {
      if (/from\s+['"]https:\/\/deno\.land\/|Deno\.serve\(/.test((await tree.read(file)) ?? '')) return file;
    }
    return null;
  }

  async detect(tree: SourceTree, appPath: string): Promise<ServiceReport> {
    const evidence: Evidence[] = [];
    const configFile = (await tree.exists('deno.json'))
      ? 'deno.json'
      : (await tree.exists('deno.jsonc'))
        ? 'deno.jsonc'
        : ((await this.denoModule(tree)) ?? 'deno.json');
    const configText = configFile.startsWith('deno.json') ? ((await tree.read(configFile)) ?? '{}') : '{}';
    const config = await parseJsonc<DenoConfig>(configText);
    evidence.push({
      field: 'language',
      file: configFile,
      reason: configFile.startsWith('deno.json') ? `${configFile} configures Deno` : `${configFile} imports Deno modules`,
    });
    let start: string | null = null;
    let entry: string | undefined;
    if (config.tasks?.start) {
      start = 'deno task start';
      evidence.push({ field: 'commands.start', file: configFile, line: lineOf(configText, '"start"'), reason: `tasks.start is "${config.tasks.start}"` });
    } else {
      for (const file of ENTRIES) {
        if (await tree.exists(file)) {
          entry = file;
          start = `deno run --allow-all ${file}`;
          evidence.push({ field: 'commands.start', file, reason: `${file} is the main module` });
          break;
        }
      }
    }
    const env = new EnvCollector('js');
    let portFromEnv = false;
    let port: number | null = null;
    for (const file of [entry, ...(await tree.files())].filter((f): f is string => Boolean(f) && /\.(t|j)sx?$/.test(f!)).slice(0, 200)) {
      const text = await tree.read(file);
      if (!text) continue;
      for (const m of text.matchAll(/Deno\.env\.get\(\s*['"]([A-Z_][A-Z0-9_]*)['"]\s*\)/g)) {
        env.add(m[1]!, file, text, m);
        if (m[1] === 'PORT' && !portFromEnv) {
          portFromEnv = true;
          evidence.push({ field: 'portFromEnv', file, line: lineOf(text, m[0]), reason: 'reads PORT from the environment' });
        }
      }
      const literal = /port\s*:\s*(\d{2,5})/.exec(text);
      if (port === null && literal) {
        port = Number(literal[1]);
        evidence.push({ field: 'port', file, line: lineOf(text, literal[0]), reason: 'serves on this port' });
      }
    }
    if (port === null && start) {
      port = 8000;
      evidence.push({ field: 'port', file: configFile, reason: 'Deno.serve listens on 8000 by default' });
    }
    return {
      language: 'deno',
      framework: null,
      runtime: { name: 'deno', version: null },
      packageManager: null,
      commands: { install: [], build: [], start },
      port,
      portFromEnv,
      env: env.values(),
      appPath,
      evidence: [...evidence, ...env.evidence()],
      confidence: start ? 0.9 : 0.5,
      warnings: start ? [] : ['No start task or main module was found; add "tasks": { "start": … } to deno.json.'],
    };
  }
}
