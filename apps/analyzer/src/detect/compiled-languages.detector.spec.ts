import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeSource } from './analyze.js';

const root = mkdtempSync(join(tmpdir(), 'servergem-compiled-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function analyze(files: Record<string, string>) {
  const dir = join(root, String(n++));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return analyzeSource(dir);
}

describe('languages built by their own tool into one artifact', () => {
  it('builds a lein-ring app without :main with `lein ring uberjar`, on 3000 unless PORT says otherwise', async () => {
    const report = await analyze({
      'project.clj': '(defproject shop/web "0.4.1"\n  :plugins [[lein-ring "0.12.6"]]\n  :ring {:handler web.core/app}\n  :uberjar-name "web.jar")\n',
    });
    expect(report).toMatchObject({
      language: 'clojure',
      framework: 'ring',
      commands: { build: ['lein ring uberjar'], start: 'java -XX:MaxRAMPercentage=75 -jar target/uberjar/web.jar' },
      port: 3000,
    });
  });

  it('gives a Clojure project it cannot start no start command and says why', async () => {
    const report = await analyze({ 'deps.edn': '{:deps {}}' });
    expect(report.language).toBe('clojure');
    expect(report.commands.start).toBeNull();
    expect(report.warnings.join(' ')).toMatch(/build\.clj with an `uber` task/);
  });

  it('runs the fat jar of sbt-assembly, and says what is missing without a packaging plugin', async () => {
    const assembly = await analyze({
      'build.sbt': 'name := "api"\n',
      'project/plugins.sbt': 'addSbtPlugin("com.eed3si9n" % "sbt-assembly" % "2.2.0")\n',
    });
    expect(assembly.commands).toMatchObject({ build: ['sbt assembly'], start: 'java -XX:MaxRAMPercentage=75 -jar target/scala-*/*-assembly-*.jar' });
    const bare = await analyze({ 'build.sbt': 'name := "api"\n' });
    expect(bare.commands.start).toBeNull();
    expect(bare.warnings.join(' ')).toMatch(/sbt-native-packager or sbt-assembly/);
  });

  it('takes no name that is not a plain word into a command (a hostile shard.yml target)', async () => {
    const report = await analyze({ 'shard.yml': 'name: x\ntargets:\n  "a;rm -rf /":\n    main: src/x.cr\n' });
    expect(report.language).toBe('crystal');
    expect(report.commands.start).toBeNull();
  });

  it('builds a Cabal project (no stack.yaml) with cabal, and a Zig executable from build.zig', async () => {
    const cabal = await analyze({ 'svc.cabal': 'name: svc\nexecutable svc-server\n  main-is: Main.hs\n  build-depends: base, servant-server\n' });
    expect(cabal).toMatchObject({
      language: 'haskell',
      framework: 'servant',
      packageManager: 'cabal',
      commands: { build: ['cabal install --installdir=bin --install-method=copy'], start: './bin/svc-server' },
    });
    const zig = await analyze({ 'build.zig': 'const exe = b.addExecutable(.{ .name = "api", .root_source_file = b.path("src/main.zig") });\n' });
    expect(zig.commands.start).toBe('./zig-out/bin/api');
  });

  it('runs the executable target of a Swift package, and a Vapor app through `serve` on $PORT', async () => {
    const plain = await analyze({ 'Package.swift': 'let package = Package(name: "tool", targets: [.executableTarget(name: "tool")])\n' });
    expect(plain.commands).toMatchObject({ build: ['swift build -c release --static-swift-stdlib'], start: './.build/release/tool' });
    expect(plain.portFromEnv).toBe(false);
  });
});
