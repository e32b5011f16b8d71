import { afterEach, describe, expect, it } from 'vitest';
import { tempApps } from '#testing';
import { analyzeSource } from './analyze.js';
import { RubyDetector } from './ruby.detector.js';
import { SourceTree } from './source-tree.js';

const { app, cleanup } = tempApps('servergem-ruby-');
afterEach(cleanup);

describe(RubyDetector.name, () => {
  it('leaves a Jekyll site to the static detector', async () => {
    const dir = app({ Gemfile: 'source "https://rubygems.org"\ngem "jekyll", "~> 4.3"\n', '_config.yml': 'title: Blog\n', 'index.md': '# Hi\n' });
    expect(await new RubyDetector().matches(await SourceTree.open(dir))).toBe(false);
  });

  it('starts Rails without a binstub through bundle exec rails and skips image-set env vars', async () => {
    const sut = await analyzeSource(
      app({
        Gemfile: 'source "https://rubygems.org"\ngem "rails", "~> 8.0"\n',
        'config/application.rb':
          'module Shop\n  class Application < Rails::Application\n    config.x.mode = ENV["RAILS_ENV"]\n    config.x.host = ENV.fetch("APP_HOST")\n  end\nend\n',
      }),
    );
    expect(sut).toMatchObject({
      framework: 'rails',
      packageManager: 'bundler',
      commands: { build: [], start: 'bundle exec rails server -b 0.0.0.0 -p ${PORT:-3000}' },
      port: 3000,
      portFromEnv: true,
    });
    expect(sut.env.map((e) => e.name)).toEqual(['APP_HOST']);
  });

  it('reads the Ruby version Gemfile.lock was resolved with', async () => {
    const sut = await analyzeSource(
      app({
        Gemfile: 'gem "rack"\n',
        'Gemfile.lock': 'GEM\n  specs:\n\nRUBY VERSION\n   ruby 3.1.6p260\n',
        'config.ru': 'run ->(env) { [200, {}, ["ok"]] }\n',
      }),
    );
    expect(sut).toMatchObject({ framework: 'rack', runtime: { name: 'ruby', version: '3.1.6' } });
    expect(sut.evidence.find((e) => e.field === 'runtime.version')).toMatchObject({ file: 'Gemfile.lock', line: 4 });
  });

  it('reports no start command and warns when there is nothing to run', async () => {
    const sut = await analyzeSource(app({ Gemfile: 'gem "nokogiri"\n', 'lib/tool.rb': 'module Tool; end\n' }));
    expect(sut).toMatchObject({ language: 'ruby', commands: { start: null }, port: null });
    expect(sut.warnings.join('\n')).toMatch(/No start command/);
  });
});
