import type { Evidence, ServiceReport } from '#contracts';
import { hasTable, parseToml, tomlList, tomlString, type TomlTable } from './cargo-toml.js';
import type { Detector } from './detector.js';
import { acceptValue } from './manifest-values.js';
import { clampConfidence, scanSources, sourceFiles, type ScanRules } from './pattern-scan.js';
import { lineOf, type SourceTree } from './source-tree.js';

const FRAMEWORKS: [crate: string, slug: string][] = [
  ['axum', 'axum'],
  ['actix-web', 'actix-web'],
  ['rocket', 'rocket'],
  ['warp', 'warp'],
  ['poem', 'poem'],
];

const ROCKET_PORT = 8000;

const RULES: ScanRules = {
  dialect: 'rust',
  env: [/\benv::var(?:_os)?\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\)/g, /\bdotenvy?::var\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\)/g],
  portEnv: /\benv::var(?:_os)?\(\s*"PORT"\s*\)/,
  ports: [
    [/env::var\(\s*"PORT"\s*\)[^;]*?unwrap_or(?:_else)?\([^;]*?(\d{2,5})/, 'falls back to this port when PORT is unset'],
    [/\bbind\(\s*"[\w.[\]:]*:(\d{2,5})"/, 'binds this literal address'],
    [/\bbind\(\s*\(\s*"[^"]*"\s*,\s*(\d{2,5})\s*\)/, 'binds this literal address'],
    [/SocketAddr::from\(\s*\(\s*\[[^\]]*\]\s*,\s*(\d{2,5})\s*\)/, 'binds this literal address'],
    [/"(?:0\.0\.0\.0|127\.0\.0\.1|localhost|\[::\])?:(\d{2,5})"/, 'uses this literal address'],
  ],
};

interface Crate {
  dir: string;
  manifest: string;
  tables: TomlTable[];
  text: string;
  bins: { name: string; file: string; reason: string }[];
}

export class RustDetector implements Detector {
  readonly name = 'rust';

  async matches(tree: SourceTree): Promise<boolean> {
    return tree.exists('Cargo.toml');
  }

  async detect(tree: SourceTree, appPath: string): Promise<ServiceReport> {
    const evidence: Evidence[] = [];
    const warnings: string[] = [];
    const files = await tree.files();
    const rootText = (await tree.read('Cargo.toml')) ?? '';
    const root = await parseToml(rootText);
    evidence.push({ field: 'packageManager', file: 'Cargo.toml', line: 1, reason: 'Cargo.toml is a Cargo manifest' });

    const crates: Crate[] = [];
    if (hasTable(root, 'package')) crates.push(this.crate(files, '.', rootText, root, warnings));
    const members = this.workspaceMembers(root, files);
    for (const dir of members) {
      const text = await tree.read(`${dir}/Cargo.toml`);
      if (text) crates.push(this.crate(files, dir, text, await parseToml(text), warnings));
    }

    const chosen = this.chooseBin(crates, root, warnings);
    let build: string[] = [];
    let start: string | null = null;
    if (chosen) {
      const { crate, bin } = chosen;
      build = [`cargo build --release --bin ${bin.name}`, 'mkdir -p bin', `cp target/release/${bin.name} bin/`];
      start = `./bin/${bin.name}`;
      evidence.push({ field: 'commands.build', file: bin.file, reason: bin.reason });
      evidence.push({ field: 'commands.start', file: crate.manifest, reason: `runs the release binary ${bin.name}` });
    } else {
      warnings.push('No binary target ServerGem can build was found (src/main.rs, src/bin/*.rs or [[bin]]); a library cannot be deployed.');
    }

    const crate = chosen?.crate ?? crates[0];
    const framework = crate ? this.framework(crate) : null;
    if (framework && crate) {
      evidence.push({
        field: 'framework',
        file: crate.manifest,
        line: lineOf(crate.text, new RegExp(`^\\[?(?:dependencies\\.)?${framework}\\b`, 'm')),
        reason: `depends on ${framework}`,
      });
    }

    const sources = sourceFiles(files, /\.rs$/, /(^|\/)tests?\/|_test\.rs$|(^|\/)benches\//);
    const first = crate ? sources.filter((f) => crate.dir === '.' || f.startsWith(`${crate.dir}/`)) : [];
    const scan = await scanSources(tree, [...(chosen ? [chosen.bin.file] : []), ...first, ...sources], RULES);
    evidence.push(...scan.evidence);
    let port = scan.port;
    const env = scan.env;
    if (framework === 'rocket' && crate) {
      const rocketPort = await this.rocketPort(tree, evidence);
      if (rocketPort !== null) port = rocketPort;
      else if (port === null) {
        port = ROCKET_PORT;
        evidence.push({ field: 'port', file: crate.manifest, line: lineOf(crate.text, /^rocket\b/m), reason: `Rocket listens on ${ROCKET_PORT} by default` });
      }
      const source = `${crate.manifest}:${lineOf(crate.text, /^rocket\b/m) ?? 1}`;
      for (const name of ['ROCKET_ADDRESS', 'ROCKET_PORT']) {
        if (!env.some((e) => e.name === name)) env.push({ name, kind: 'runtime', source, required: false });
      }
      warnings.push('Rocket binds 127.0.0.1 unless told otherwise; set ROCKET_ADDRESS=0.0.0.0 on the service.');
    }

    const version = await this.rustVersion(tree, root, crate, evidence);
    let confidence = 0.6;
    if (start) confidence += 0.25;
    if (port !== null) confidence += 0.1;
    if (version) confidence += 0.05;

    return {
      language: 'rust',
      framework,
      runtime: { name: 'rust', version },
      packageManager: 'cargo',
      commands: { install: ['cargo fetch'], build, start },
      port,
      portFromEnv: scan.portFromEnv,
      env,
      appPath,
      evidence,
      confidence: clampConfidence(confidence),
      warnings,
    };
  }

  private crate(files: string[], dir: string, text: string, tables: TomlTable[], warnings: string[]): Crate {
    const prefix = dir === '.' ? '' : `${dir}/`;
    const manifest = `${prefix}Cargo.toml`;
    const name = tomlString(tables, 'package', 'name')?.value ?? dir.split('/').pop() ?? 'app';
    const bins: Crate['bins'] = [];
    // A binary's name goes into `cargo build --bin`, a path and the start command: only Cargo's own grammar is let through.
    const add = (bin: string, file: string, reason: string, source = file): void => {
      if (acceptValue('cargo-name', bin, source, warnings) && !bins.some((b) => b.name === bin)) bins.push({ name: bin, file, reason });
    };
    for (const table of tables.filter((t) => t.header === '[bin]')) {
      const bin = table.values.get('name')?.value;
      if (typeof bin === 'string') add(bin, manifest, `[[bin]] "${bin}" in ${manifest}`);
    }
    if (files.includes(`${prefix}src/main.rs`)) add(name, `${prefix}src/main.rs`, `src/main.rs builds the binary named after the package, ${name}`, manifest);
    for (const file of files) {
      const single = file.startsWith(`${prefix}src/bin/`) ? /^([^/]+)\.rs$/.exec(file.slice(`${prefix}src/bin/`.length)) : null;
      const nested = file.startsWith(`${prefix}src/bin/`) ? /^([^/]+)\/main\.rs$/.exec(file.slice(`${prefix}src/bin/`.length)) : null;
      const bin = single?.[1] ?? nested?.[1];
      if (bin) add(bin, file, `${file} is a binary target`);
    }
    return { dir, manifest, tables, text, bins };
  }

  private workspaceMembers(root: TomlTable[], files: string[]): string[] {
    const members = tomlList(root, 'workspace', 'members');
    const excluded = new Set(tomlList(root, 'workspace', 'exclude'));
    const dirs = files.filter((f) => f.endsWith('/Cargo.toml')).map((f) => f.slice(0, -'/Cargo.toml'.length));
    const out: string[] = [];
    for (const member of members) {
      const clean = member.replace(/^\.\//, '').replace(/\/$/, '');
      const pattern = new RegExp(`^${clean.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+')}$`);
      for (const dir of dirs) if (pattern.test(dir) && !excluded.has(dir) && !out.includes(dir)) out.push(dir);
    }
    return out;
  }

  private chooseBin(crates: Crate[], root: TomlTable[], warnings: string[]): { crate: Crate; bin: Crate['bins'][number] } | null {
    const all = crates.flatMap((crate) => crate.bins.map((bin) => ({ crate, bin })));
    if (all.length <= 1) return all[0] ?? null;
    const defaultRun =
      tomlString(root, 'package', 'default-run')?.value ?? crates.map((c) => tomlString(c.tables, 'package', 'default-run')?.value).find(Boolean);
    const byDefault = defaultRun ? all.find((c) => c.bin.name === defaultRun) : undefined;
    if (byDefault) return { ...byDefault, bin: { ...byDefault.bin, reason: `default-run is "${defaultRun}"` } };
    const rootName = tomlString(root, 'package', 'name')?.value;
    const pick =
      all.find((c) => c.crate.dir === '.' && c.bin.name === rootName) ??
      all.find((c) => this.framework(c.crate) !== null) ??
      all.find((c) => /^(server|api|web|app)$/.test(c.bin.name)) ??
      all[0]!;
    warnings.push(`Several binaries (${all.map((c) => c.bin.name).join(', ')}); deploying ${pick.bin.name}. Set default-run in Cargo.toml to choose.`);
    return pick;
  }

  private framework(crate: Crate): string | null {
    for (const [dep, slug] of FRAMEWORKS) {
      if (crate.tables.some((t) => (t.header === 'dependencies' && t.values.has(dep)) || t.header === `dependencies.${dep}`)) return slug;
    }
    return null;
  }

  private async rocketPort(tree: SourceTree, evidence: Evidence[]): Promise<number | null> {
    const text = await tree.read('Rocket.toml');
    if (!text) return null;
    const tables = await parseToml(text);
    for (const header of ['release', 'global', 'default']) {
      const found = tables.find((t) => t.header === header)?.values.get('port');
      const port = typeof found?.value === 'string' ? Number(found.value) : NaN;
      if (found && port > 0 && port < 65536) {
        evidence.push({ field: 'port', file: 'Rocket.toml', line: found.line, reason: `[${header}] port = ${port}` });
        return port;
      }
    }
    return null;
  }

  private async rustVersion(tree: SourceTree, root: TomlTable[], crate: Crate | undefined, evidence: Evidence[]): Promise<string | null> {
    const toolchainToml = await tree.read('rust-toolchain.toml');
    if (toolchainToml) {
      const channel = tomlString(await parseToml(toolchainToml), 'toolchain', 'channel');
      if (channel && /^\d+\.\d+/.test(channel.value)) {
        evidence.push({ field: 'runtime.version', file: 'rust-toolchain.toml', line: channel.line, reason: `channel is "${channel.value}"` });
        return channel.value;
      }
    }
    const plain = (await tree.read('rust-toolchain'))?.trim();
    if (plain && /^\d+\.\d+(\.\d+)?$/.test(plain)) {
      evidence.push({ field: 'runtime.version', file: 'rust-toolchain', line: 1, reason: `rust-toolchain says ${plain}` });
      return plain;
    }
    const declared =
      tomlString(root, 'package', 'rust-version') ??
      tomlString(root, 'workspace.package', 'rust-version') ??
      (crate ? tomlString(crate.tables, 'package', 'rust-version') : null);
    if (declared && /^\d+\.\d+/.test(declared.value)) {
      const file = tomlString(root, 'package', 'rust-version') || tomlString(root, 'workspace.package', 'rust-version') ? 'Cargo.toml' : crate!.manifest;
      evidence.push({ field: 'runtime.version', file, line: declared.line, reason: `rust-version is "${declared.value}"` });
      return declared.value;
    }
    return null;
  }
}
