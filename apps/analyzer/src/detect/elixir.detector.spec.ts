import { afterEach, describe, expect, it } from 'vitest';
import { tempApps } from '#testing';
import { analyzeSource } from './analyze.js';
import { ElixirDetector } from './elixir.detector.js';
import { SourceTree } from './source-tree.js';

const { app, cleanup } = tempApps('servergem-elixir-');
afterEach(cleanup);

describe(ElixirDetector.name, () => {
  it('takes the endpoint http port, not the public url port', async () => {
    const sut = await analyzeSource(
      app({
        'mix.exs': 'defmodule A.MixProject do\n  def project, do: [app: :a, deps: [{:phoenix, "~> 1.7"}]]\nend\n',
        'config/prod.exs': 'config :a, AWeb.Endpoint, url: [host: "a.example", port: 443], http: [ip: {0, 0, 0, 0}, port: 4100]\n',
        'config/dev.exs': 'config :a, AWeb.Endpoint, http: [port: 4000]\n',
      }),
    );
    expect(sut).toMatchObject({ framework: 'phoenix', port: 4100, portFromEnv: false });
  });

  it('is asked before Node.js for a Phoenix app with a package.json for its assets', async () => {
    const sut = await analyzeSource(
      app({
        'mix.exs': 'defmodule A.MixProject do\n  def project, do: [app: :a, deps: [{:phoenix, "~> 1.7"}]]\nend\n',
        'package.json': '{"scripts":{"start":"node x"}}',
      }),
    );
    expect(sut.language).toBe('elixir');
  });

  it('warns that an umbrella needs releases', async () => {
    const dir = app({
      'mix.exs': 'defmodule U.MixProject do\n  def project, do: [apps_path: "apps", deps: []]\nend\n',
      'apps/web/mix.exs': '[app: :web, deps: [{:phoenix, "~> 1.7"}]]\n',
    });
    const sut = await new ElixirDetector().detect(await SourceTree.open(dir), '.');
    expect(sut.framework).toBe('phoenix');
    expect(sut.warnings.join(' ')).toContain('Umbrella');
  });
});
