import { afterEach, describe, expect, it } from 'vitest';
import { tempApps } from '#testing';
import { analyzeSource } from './analyze.js';
import { EnvCollector } from './env-vars.js';
import { collectJsEnv } from './js-env.js';

const { app, cleanup } = tempApps('servergem-env-');
afterEach(cleanup);

function jsRequired(source: string): Record<string, boolean | undefined> {
  const sut = new EnvCollector('js');
  collectJsEnv(sut, 'src/index.ts', source);
  return Object.fromEntries(sut.values().map((v) => [v.name, v.required]));
}

async function requiredOf(files: Record<string, string>): Promise<Record<string, boolean | undefined>> {
  const report = await analyzeSource(app(files));
  return Object.fromEntries(report.env.map((v) => [v.name, v.required]));
}

describe(EnvCollector.name, () => {
  it('JavaScript: a bare read is required; ??, ||, a ternary, a guard and a destructuring default are not', () => {
    expect(
      jsRequired(
        [
          'const db = process.env.DATABASE_URL;',
          "const level = process.env.LOG_LEVEL ?? 'info';",
          "const region = process.env['REGION'] || 'eu';",
          'const debug = process.env.DEBUG ? true : false;',
          'if (process.env.SENTRY_DSN) init();',
          "const { API_URL, TIMEOUT = '5' } = process.env;",
          'const key = process.env.STRIPE_KEY;',
          "if (!key) throw new Error('STRIPE_KEY is not set');",
          'const name = process.env.NAME;',
          "if (!name) console.log('anonymous');",
          "if (process.env.NODE_ENV === 'production') {}",
        ].join('\n'),
      ),
    ).toEqual({
      DATABASE_URL: true,
      LOG_LEVEL: false,
      REGION: false,
      DEBUG: false,
      SENTRY_DSN: false,
      API_URL: true,
      TIMEOUT: false,
      STRIPE_KEY: true,
      NAME: false,
    });
  });

  it('a guard whose block logs and then exits makes the variable required, with the guard as evidence', () => {
    const sut = new EnvCollector('js');
    collectJsEnv(
      sut,
      'server.js',
      "if (!process.env.GREETING) {\n  console.error('GREETING is not set');\n  process.exit(1);\n}\nres.end(process.env.GREETING);\n",
    );
    expect(sut.values()).toEqual([{ name: 'GREETING', kind: 'runtime', source: 'server.js:1', required: true }]);
    // A block that only logs lets the app go on: not required.
    expect(jsRequired("if (!process.env.NAME) {\n  console.log('anonymous');\n}\n")).toEqual({ NAME: false });
  });

  it('a variable read both ways is required, with the evidence line of the read that needs it', () => {
    const sut = new EnvCollector('js');
    collectJsEnv(sut, 'a.js', "const a = process.env.TOKEN || '';\n\nconst b = process.env.TOKEN;\n");
    expect(sut.values()).toEqual([{ name: 'TOKEN', kind: 'secret', source: 'a.js:3', required: true }]);
    expect(sut.evidence()).toEqual([{ field: 'env.TOKEN', file: 'a.js', line: 3, reason: 'reads TOKEN with no default, so it must be set' }]);
  });

  it('Python: os.environ["X"] is required; os.environ.get and os.getenv are not, with or without a default', async () => {
    const main = [
      'import os',
      'DB = os.environ["DATABASE_URL"]',
      'A = os.environ.get("OPTIONAL_A")',
      'B = os.environ.get("OPTIONAL_B", "x")',
      'C = os.getenv("OPTIONAL_C")',
      'if "GUARDED" in os.environ:',
      '    G = os.environ["GUARDED"]',
    ].join('\n');
    expect(await requiredOf({ 'requirements.txt': 'flask\n', 'app.py': `${main}\nfrom flask import Flask\napp = Flask(__name__)\n` })).toEqual({
      DATABASE_URL: true,
      OPTIONAL_A: false,
      OPTIONAL_B: false,
      OPTIONAL_C: false,
      GUARDED: false,
    });
  });

  it('Ruby: ENV.fetch with no default is required; ENV[], a default or a block are not', async () => {
    const app =
      'require "sinatra"\nA = ENV.fetch("SECRET_KEY_BASE")\nB = ENV["OPTIONAL"]\nC = ENV.fetch("WITH_DEFAULT", "x")\nD = ENV.fetch("WITH_BLOCK") { "y" }\n';
    expect(await requiredOf({ Gemfile: 'gem "sinatra"\n', 'app.rb': app })).toEqual({
      SECRET_KEY_BASE: true,
      OPTIONAL: false,
      WITH_DEFAULT: false,
      WITH_BLOCK: false,
    });
  });

  it('Java: System.getenv without a null fallback is required; Spring ${X:default} is not, ${X} is', async () => {
    const main = [
      'package demo;',
      'public class Main {',
      '  public static void main(String[] args) {',
      '    String db = System.getenv("DATABASE_URL");',
      '    String port = System.getenv("PORT");',
      '    if (port == null) port = "8080";',
      '    String region = Optional.ofNullable(System.getenv("REGION")).orElse("eu");',
      '  }',
      '}',
    ].join('\n');
    const pom =
      '<project><artifactId>demo</artifactId><dependencies><dependency><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>';
    expect(
      await requiredOf({
        'pom.xml': pom,
        'src/main/java/demo/Main.java': main,
        'src/main/resources/application.properties': 'spring.datasource.password=${DB_PASSWORD}\nserver.port=${PORT:8080}\n',
      }),
    ).toMatchObject({ DATABASE_URL: true, PORT: false, REGION: false, DB_PASSWORD: true });
  });

  it('Go: os.Getenv is never required (it returns "")', async () => {
    const main = 'package main\nimport "os"\nfunc main() { _ = os.Getenv("DATABASE_URL") }\n';
    expect(await requiredOf({ 'go.mod': 'module demo\n\ngo 1.22\n', 'main.go': main })).toEqual({ DATABASE_URL: false });
  });

  it('Rust: env::var(..).unwrap(), .expect() and ? are required; unwrap_or and .ok() are not', async () => {
    const main = [
      'fn main() {',
      '    let db = std::env::var("DATABASE_URL").unwrap();',
      '    let key = env::var("API_KEY").expect("API_KEY");',
      '    let port = env::var("PORT").unwrap_or("8080".into());',
      '    let level = env::var("LOG_LEVEL").ok();',
      '}',
    ].join('\n');
    expect(await requiredOf({ 'Cargo.toml': '[package]\nname = "demo"\nversion = "0.1.0"\n', 'src/main.rs': main })).toEqual({
      DATABASE_URL: true,
      API_KEY: true,
      PORT: false,
      LOG_LEVEL: false,
    });
  });

  it('Elixir: System.fetch_env! is required; System.get_env is not', async () => {
    const runtime = 'import Config\nconfig :demo, key: System.fetch_env!("SECRET_KEY_BASE")\nconfig :demo, host: System.get_env("PHX_HOST")\n';
    expect(await requiredOf({ 'mix.exs': 'defmodule Demo.MixProject do\nend\n', 'config/runtime.exs': runtime })).toMatchObject({
      SECRET_KEY_BASE: true,
      PHX_HOST: false,
    });
  });

  it('.NET: GetEnvironmentVariable without ?? is required; with ?? it is not', async () => {
    const program = 'var db = Environment.GetEnvironmentVariable("DATABASE_URL");\nvar port = Environment.GetEnvironmentVariable("PORT") ?? "8080";\n';
    expect(
      await requiredOf({
        'app.csproj': '<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>',
        'Program.cs': program,
      }),
    ).toMatchObject({ DATABASE_URL: true, PORT: false });
  });
});
