import type { Evidence, ServiceReport } from '#contracts';
import type { Detector } from './detector.js';
import { clampConfidence, scanSources, type ScanRules } from './pattern-scan.js';
import { lineOf, type SourceTree } from './source-tree.js';

const RULES: ScanRules = {
  dialect: 'dart',
  env: [/Platform\.environment\[\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\]/g],
  portEnv: /Platform\.environment\[\s*['"]PORT['"]\s*\]/,
  ports: [
    [/Platform\.environment\[\s*['"]PORT['"]\s*\]\s*\?\?\s*['"]?(\d{2,5})/, 'falls back to this port when PORT is unset'],
    [/\bserve\([^;]*?,\s*(\d{2,5})\s*[,)]/, 'serves on this literal port'],
    [/\bbind\([^;]*?,\s*(\d{2,5})\s*[,)]/, 'binds this literal port'],
  ],
};

/** Server packages and the port each listens on unless told otherwise. */
const FRAMEWORKS: [pkg: string, slug: string, port: number | null][] = [
  ['dart_frog', 'dart-frog', 8080],
  ['serverpod', 'serverpod', 8080],
  ['shelf', 'shelf', null],
];

/**
 * Dart servers (pubspec.yaml with an executable under bin/): `dart compile exe` makes one native
 * binary, which runs alone. Dart Frog apps are generated into build/ first. Flutter apps are
 * front-ends, not servers, and are left to other detectors.
 */
export class DartDetector implements Detector {
  readonly name = 'dart';

  async matches(tree: SourceTree): Promise<boolean> {
    const pubspec = await tree.read('pubspec.yaml');
    return pubspec !== null && !/^\s{2,}flutter:\s*$/m.test(pubspec) && !/^\s*sdk:\s*flutter\b/m.test(pubspec);
  }

  async detect(tree: SourceTree, appPath: string): Promise<ServiceReport> {
    const pubspec = (await tree.read('pubspec.yaml')) ?? '';
    const evidence: Evidence[] = [{ field: 'packageManager', file: 'pubspec.yaml', line: 1, reason: 'pubspec.yaml lists the packages for dart pub' }];
    const warnings: string[] = [];
    const framework = FRAMEWORKS.find(([pkg]) => new RegExp(`^\\s+${pkg}\\s*:`, 'm').test(pubspec)) ?? null;
    if (framework) {
      evidence.push({
        field: 'framework',
        file: 'pubspec.yaml',
        line: lineOf(pubspec, new RegExp(`^\\s+${framework[0]}\\s*:`, 'm')),
        reason: `depends on ${framework[0]}`,
      });
    }
    const files = await tree.files();
    const name = /^name:\s*([\w]+)/m.exec(pubspec)?.[1];
    let entry: string | null;
    let build: string[] = [];
    if (framework?.[1] === 'dart-frog') {
      entry = 'build/bin/server.dart';
      build = [
        'dart pub global activate dart_frog_cli',
        'dart pub global run dart_frog_cli:dart_frog build',
        'dart compile exe build/bin/server.dart -o bin/server',
      ];
      evidence.push({ field: 'commands.build', file: 'pubspec.yaml', reason: 'Dart Frog generates its server into build/ before it is compiled' });
    } else {
      const bins = files.filter((f) => /^bin\/[\w]+\.dart$/.test(f));
      entry = ['bin/server.dart', `bin/${name}.dart`, 'bin/main.dart'].find((f) => bins.includes(f)) ?? (bins.length === 1 ? bins[0]! : null);
      if (entry) build = [`dart compile exe ${entry} -o bin/server`];
    }
    const start = entry ? './bin/server' : null;
    if (entry)
      evidence.push({
        field: 'commands.start',
        file: entry.startsWith('build/') ? 'pubspec.yaml' : entry,
        reason: `${entry} is compiled to the native executable bin/server`,
      });
    else warnings.push('No executable under bin/ was found (bin/server.dart); add one for the server.');

    const scan = await scanSources(
      tree,
      files.filter((f) => f.endsWith('.dart') && !/(^|\/)test\//.test(f)),
      RULES,
    );
    evidence.push(...scan.evidence);
    let port = scan.port;
    if (port === null && framework?.[2]) {
      port = framework[2];
      evidence.push({ field: 'port', file: 'pubspec.yaml', reason: `${framework[1]} listens on ${port} by default` });
    }
    const sdk = /^\s*sdk:\s*["']?([^"'\n]+)/m.exec(pubspec)?.[1]?.trim() ?? null;
    if (sdk) evidence.push({ field: 'runtime.version', file: 'pubspec.yaml', line: lineOf(pubspec, /^\s*sdk:/m), reason: `environment.sdk is "${sdk}"` });
    return {
      language: 'dart',
      framework: framework?.[1] ?? null,
      runtime: { name: 'dart', version: null },
      packageManager: 'pub',
      commands: { install: ['dart pub get'], build, start },
      port,
      portFromEnv: scan.portFromEnv,
      env: scan.env,
      appPath,
      evidence: evidence,
      confidence: clampConfidence(0.6 + (start ? 0.25 : 0) + (port !== null || scan.portFromEnv ? 0.15 : 0)),
      warnings,
    };
  }
}
