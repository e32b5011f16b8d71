import type { Evidence, ServiceReport } from '#contracts';
import type { Detector } from './detector.js';
import { acceptValue } from './manifest-values.js';
import { clampConfidence, scanSources, sourceFiles, type ScanRules } from './pattern-scan.js';
import { lineOf, type SourceTree } from './source-tree.js';

const PHOENIX_PORT = 4000;

const RULES: ScanRules = {
  dialect: 'elixir',
  env: [/System\.(?:get_env|fetch_env!?)\(\s*"([A-Za-z_][A-Za-z0-9_]*)"/g],
  portEnv: /System\.(?:get_env|fetch_env!?)\(\s*"PORT"/,
  ports: [
    [/System\.get_env\(\s*"PORT"\s*\)\s*\|\|\s*"?(\d{2,5})/, 'falls back to this port when PORT is unset'],
    [/System\.get_env\(\s*"PORT"\s*,\s*"(\d{2,5})"\s*\)/, 'falls back to this port when PORT is unset'],
    // Only the endpoint's http: options and a Bandit/Cowboy child name the listening port; url: port is the public one.
    [/\bhttp:\s*\[[^\]]*?\bport:\s*(\d{2,5})\b/, 'the endpoint listens on this port'],
    [/\{\s*(?:Bandit|Plug\.Cowboy)\b[^}]*?\bport:\s*(\d{2,5})\b/, 'the HTTP server listens on this port'],
  ],
};

/** Config read only in development or tests says nothing about production. */
const NOT_PRODUCTION = /^config\/(dev|test)\.exs$|(^|\/)test\//;

export class ElixirDetector implements Detector {
  readonly name = 'elixir';

  async matches(tree: SourceTree): Promise<boolean> {
    return tree.exists('mix.exs');
  }

  async detect(tree: SourceTree, appPath: string): Promise<ServiceReport> {
    const evidence: Evidence[] = [];
    const warnings: string[] = [];
    const mix = (await tree.read('mix.exs')) ?? '';
    evidence.push({ field: 'packageManager', file: 'mix.exs', line: 1, reason: 'mix.exs is a Mix project' });

    const files = await tree.files();
    const umbrella = /apps_path:\s*"([^"]+)"/.exec(mix);
    let deps = mix;
    if (umbrella) {
      for (const file of files.filter((f) => new RegExp(`^${umbrella[1]}/[^/]+/mix\\.exs$`).test(f))) deps += (await tree.read(file)) ?? '';
    }

    const phoenix = /\{\s*:phoenix\s*,/.exec(deps);
    const framework = phoenix ? 'phoenix' : null;
    if (phoenix) evidence.push({ field: 'framework', file: 'mix.exs', line: lineOf(mix, phoenix[0]), reason: 'depends on :phoenix' });

    const found = this.releaseName(mix);
    const release = found && acceptValue('elixir-release', found.name, 'mix.exs', warnings) ? found : null;
    let start: string | null = null;
    if (release) {
      start = `_build/prod/rel/${release.name}/bin/${release.name} start`;
      evidence.push({ field: 'commands.start', file: 'mix.exs', line: lineOf(mix, release.match), reason: release.reason });
    } else if (!found) {
      warnings.push('mix.exs names no app or release; add `releases:` to mix.exs or a Dockerfile.');
    }
    if (umbrella && !/releases:/.test(mix)) {
      warnings.push('Umbrella projects need `releases:` in the root mix.exs to say which apps ship together.');
    }

    // Phoenix generators add assets.setup/assets.deploy aliases that fetch and run esbuild/tailwind.
    const assetsSetup = /"assets\.setup"/.test(mix);
    const assetsDeploy = /"assets\.deploy"/.test(mix);
    const install = ['mix local.hex --force', 'mix local.rebar --force', 'mix deps.get --only prod', 'MIX_ENV=prod mix deps.compile'];
    if (assetsSetup) install.push('MIX_ENV=prod mix assets.setup');
    const build = ['MIX_ENV=prod mix compile', ...(assetsDeploy ? ['MIX_ENV=prod mix assets.deploy'] : []), 'MIX_ENV=prod mix release'];
    evidence.push({
      field: 'commands.build',
      file: 'mix.exs',
      reason: `mix release builds a self-contained release${assetsDeploy ? ' after assets.deploy' : ''}`,
    });

    const config = ['config/runtime.exs', 'config/prod.exs', 'config/config.exs'];
    const sources = sourceFiles(files, /\.exs?$/, NOT_PRODUCTION).filter((f) => f !== 'mix.exs' && !f.startsWith('deps/') && !f.startsWith('_build/'));
    const scan = await scanSources(tree, [...config.filter((f) => files.includes(f)), ...sources], RULES);
    evidence.push(...scan.evidence);
    let port = scan.port;
    if (port === null && framework) {
      port = PHOENIX_PORT;
      evidence.push({ field: 'port', file: 'mix.exs', line: lineOf(mix, phoenix![0]), reason: `Phoenix listens on ${PHOENIX_PORT} by default` });
    }
    if (scan.env.some((e) => e.name === 'PHX_SERVER')) {
      warnings.push('A Phoenix release serves HTTP only when PHX_SERVER=true; set it on the service.');
    }

    const version = await this.elixirVersion(tree, mix, evidence);
    let confidence = 0.6;
    if (start) confidence += 0.2;
    if (port !== null) confidence += 0.1;
    if (version) confidence += 0.1;

    return {
      language: 'elixir',
      framework,
      runtime: { name: 'elixir', version },
      packageManager: 'mix',
      commands: { install, build, start },
      port,
      portFromEnv: scan.portFromEnv,
      env: scan.env,
      appPath,
      evidence,
      confidence: clampConfidence(confidence),
      warnings,
    };
  }

  /** The first release in `releases:`, else the app name, which is also the default release's name. */
  private releaseName(mix: string): { name: string; match: string; reason: string } | null {
    const releases = /releases:\s*\[\s*([a-z_][a-z0-9_]*):/.exec(mix);
    if (releases) return { name: releases[1]!, match: releases[0], reason: `the first release in mix.exs is ${releases[1]}` };
    const app = /\bapp:\s*:([a-z_][a-z0-9_]*)/.exec(mix);
    if (app) return { name: app[1]!, match: app[0], reason: `mix release names the release after the app, ${app[1]}` };
    return null;
  }

  private async elixirVersion(tree: SourceTree, mix: string, evidence: Evidence[]): Promise<string | null> {
    const toolVersions = await tree.read('.tool-versions');
    const pinned = toolVersions ? /^elixir\s+(?:ref:)?v?(\d+\.\d+(?:\.\d+)?)/m.exec(toolVersions) : null;
    if (toolVersions && pinned) {
      evidence.push({ field: 'runtime.version', file: '.tool-versions', line: lineOf(toolVersions, pinned[0]), reason: pinned[0] });
      return pinned[1]!;
    }
    const required = /\belixir:\s*"[~>=\s]*(\d+\.\d+(?:\.\d+)?)/.exec(mix);
    if (required) {
      evidence.push({ field: 'runtime.version', file: 'mix.exs', line: lineOf(mix, required[0]), reason: `requires ${required[0]}` });
      return required[1]!;
    }
    return null;
  }
}
