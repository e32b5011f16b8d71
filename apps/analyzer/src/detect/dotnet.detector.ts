import type { Evidence, ServiceReport } from '#contracts';
import { quoteWord } from '#common';
import type { Detector } from './detector.js';
import { classifyEnv } from './env-vars.js';
import { acceptValue } from './manifest-values.js';
import { clampConfidence, scanSources, sourceFiles, type ScanRules } from './pattern-scan.js';
import { lineOf, type SourceTree } from './source-tree.js';

const PROJECT_FILE = /\.(cs|fs|vb)proj$/;
const BUILD_OUTPUT = /(^|\/)(bin|obj)\//;
const OTHER_MANIFESTS = new Set([
  'package.json',
  'pom.xml',
  'build.gradle',
  'build.gradle.kts',
  'go.mod',
  'Cargo.toml',
  'requirements.txt',
  'pyproject.toml',
  'Gemfile',
  'composer.json',
  'mix.exs',
]);
const TEST_PROJECT = /Microsoft\.NET\.Test\.Sdk|<IsTestProject>\s*true/i;

const RULES: ScanRules = {
  dialect: 'dotnet',
  env: [
    /Environment\.GetEnvironmentVariable\(\s*"([A-Za-z_][A-Za-z0-9_]*)"/g,
    /\b[Cc]onfiguration\[\s*"([A-Za-z_][A-Za-z0-9_:]*)"\s*\]/g,
    /\b[Cc]onfiguration\.GetValue<[^>]+>\(\s*"([A-Za-z_][A-Za-z0-9_:]*)"/g,
  ],
  portEnv: /GetEnvironmentVariable\(\s*"PORT"\s*\)|[Cc]onfiguration\[\s*"PORT"\s*\]|GetValue<int\??>\(\s*"PORT"/,
  ports: [
    [/"PORT"\s*\)\s*\?\?\s*"?(\d{2,5})"?/, 'falls back to this port when PORT is unset'],
    [/"(?:Urls|ASPNETCORE_URLS)"\s*:\s*"https?:\/\/[^:"]+:(\d{2,5})/, 'the configured URL names this port'],
    [/"ASPNETCORE_HTTP_PORTS"\s*:\s*"(\d{2,5})"/, 'ASPNETCORE_HTTP_PORTS names this port'],
    [/\b(?:UseUrls|Run|RunAsync|Urls\.Add)\(\s*\$?"https?:\/\/[^:"]+:(\d{2,5})"/, 'listens on this literal URL'],
    [/\bListen(?:AnyIP|Localhost)?\(\s*(\d{2,5})\s*[,)]/, 'Kestrel listens on this literal port'],
    [/"Url"\s*:\s*"https?:\/\/[^:"]+:(\d{2,5})"/, 'Kestrel endpoint in appsettings'],
  ],
};

const CONNECTION_STRINGS: ScanRules = { dialect: 'dotnet', env: [/\bGetConnectionString\(\s*"(\w+)"\s*\)/g], portEnv: /$^/, ports: [] };

interface Project {
  file: string;
  text: string;
  web: boolean;
}

export class DotnetDetector implements Detector {
  readonly name = 'dotnet';

  async matches(tree: SourceTree): Promise<boolean> {
    const files = await tree.files();
    if (files.some((f) => !f.includes('/') && (PROJECT_FILE.test(f) || f.endsWith('.sln') || f.endsWith('.slnx')))) return true;
    if ((await prebuilt(tree, files)) !== null) return true;
    // A project one or two folders down (App/App.csproj beside Lib/Lib.csproj), when nothing else is at the root.
    if (!files.some((f) => PROJECT_FILE.test(f) && f.split('/').length <= 3 && !BUILD_OUTPUT.test(f))) return false;
    return !files.some((f) => !f.includes('/') && OTHER_MANIFESTS.has(f));
  }

  async detect(tree: SourceTree, appPath: string): Promise<ServiceReport> {
    const evidence: Evidence[] = [];
    const warnings: string[] = [];
    const files = (await tree.files()).filter((f) => !BUILD_OUTPUT.test(f));
    const projects: Project[] = [];
    for (const file of files.filter((f) => PROJECT_FILE.test(f))) {
      const text = await tree.read(file);
      if (text && !TEST_PROJECT.test(text)) projects.push({ file, text, web: /Sdk\s*=\s*"Microsoft\.NET\.Sdk\.Web"|Microsoft\.AspNetCore\.App/.test(text) });
    }
    const project = this.chooseProject(projects, warnings);
    const binary = project ? null : await prebuilt(tree, files);
    const rootEntries = files.filter((f) => !f.includes('/') && (PROJECT_FILE.test(f) || /\.slnx?$/.test(f)));
    evidence.push({
      field: 'packageManager',
      file: project?.file ?? rootEntries[0] ?? '.',
      line: 1,
      reason: 'an MSBuild project is restored and published with the dotnet CLI',
    });

    let install: string[] = [];
    let build: string[] = [];
    let start: string | null = null;
    // The project path and assembly name go into commands: MSBuild's names (spaces quoted), nothing shell-like.
    const projectFile = project && acceptValue('dotnet-project', project.file, project.file, warnings);
    const assembly = project && projectFile ? acceptValue('dotnet-assembly', this.assemblyName(project), project.file, warnings) : null;
    if (project && projectFile && assembly) {
      // `dotnet restore` without a path refuses a folder holding more than one project or solution.
      const target = rootEntries.length === 1 && rootEntries[0] === project.file ? '' : ` ${quoteWord(projectFile)}`;
      install = [`dotnet restore${target}`];
      build = [`dotnet publish${target} --no-restore -c Release -o out`];
      start = `dotnet ${quoteWord(`out/${assembly}.dll`)}`;
      evidence.push({ field: 'commands.build', file: project.file, reason: `publishes ${project.file} to out/` });
      evidence.push({
        field: 'commands.start',
        file: project.file,
        line: lineOf(project.text, '<AssemblyName>'),
        reason: `the published assembly is ${assembly}.dll`,
      });
    } else if (binary && acceptValue('dotnet-assembly', binary.dll.replace(/\.dll$/, ''), binary.config, warnings)) {
      start = `dotnet ${quoteWord(binary.dll)}`;
      evidence.push({ field: 'commands.start', file: binary.config, line: 1, reason: `a published app: ${binary.config} runs ${binary.dll}` });
    } else if (!project) {
      warnings.push('No runnable .csproj/.fsproj was found (test projects are skipped).');
    }

    const framework = project?.web || binary?.web ? 'aspnet-core' : null;
    if (binary?.web) evidence.push({ field: 'framework', file: binary.config, reason: 'runs on the Microsoft.AspNetCore.App framework' });
    if (project && framework) {
      evidence.push({
        field: 'framework',
        file: project.file,
        line: lineOf(project.text, /Microsoft\.NET\.Sdk\.Web|Microsoft\.AspNetCore\.App/),
        reason: 'uses the ASP.NET Core web SDK',
      });
    }

    const version = project ? await this.targetVersion(tree, project, evidence) : (binary?.version ?? null);
    if (binary?.version) evidence.push({ field: 'runtime.version', file: binary.config, reason: `published for .NET ${binary.version}` });
    const projectDir = project?.file.includes('/') ? project.file.slice(0, project.file.lastIndexOf('/') + 1) : '';
    const sources = sourceFiles(files, /\.(cs|fs|vb)$/, /(^|\/)tests?\/|Tests?\.(cs|fs)$/);
    const settings = files.filter((f) => f.startsWith(projectDir) && /(^|\/)appsettings(\.Production)?\.json$/.test(f));
    const ordered = [...sources.filter((f) => f.startsWith(projectDir)), ...settings, ...sources];
    const scan = await scanSources(tree, ordered, RULES);
    evidence.push(...scan.evidence);
    // Configuration keys map to env vars with `__` for `:`; connection strings hold credentials.
    const env = scan.env.map((e) => (e.name.includes(':') ? classifyEnv(e.name.replace(/:/g, '__'), e.source, e.required) : e));
    for (const conn of (await scanSources(tree, ordered, CONNECTION_STRINGS)).env) {
      env.push({ name: `ConnectionStrings__${conn.name}`, kind: 'secret', source: conn.source, required: conn.required });
    }

    let port = scan.port;
    if (port === null && framework) {
      const major = version ? Number(version.split('.')[0]) : 8;
      port = major >= 8 ? 8080 : 80;
      evidence.push({
        field: 'port',
        file: project?.file ?? binary!.config,
        line: project ? lineOf(project.text, /<TargetFrameworks?>/) : undefined,
        reason: major >= 8 ? 'ASP.NET Core 8+ listens on 8080 (ASPNETCORE_HTTP_PORTS)' : 'ASP.NET Core images before .NET 8 listen on 80',
      });
      if (!scan.portFromEnv) warnings.push(`Kestrel takes its port from ASPNETCORE_HTTP_PORTS/ASPNETCORE_URLS, not PORT; ServerGem routes to ${port}.`);
    }

    let confidence = 0.6;
    if (start) confidence += 0.25;
    if (port !== null) confidence += 0.1;
    if (version) confidence += 0.05;

    return {
      language: 'dotnet',
      framework,
      runtime: { name: 'dotnet', version },
      packageManager: 'dotnet',
      commands: { install, build, start },
      port,
      portFromEnv: scan.portFromEnv,
      env,
      appPath,
      evidence,
      confidence: clampConfidence(confidence),
      warnings,
    };
  }

  private chooseProject(all: Project[], warnings: string[]): Project | null {
    if (all.length <= 1) return all[0] ?? null;
    // A project another one references is a library it builds with, not the app.
    const referenced = new Set(
      all.flatMap((p) => [...p.text.matchAll(/<ProjectReference\s+Include\s*=\s*"([^"]+)"/g)].map((m) => m[1]!.split(/[\\/]/).pop()!)),
    );
    const apps = all.filter((p) => !referenced.has(p.file.split('/').pop()!));
    const projects = apps.length > 0 ? apps : all;
    if (projects.length === 1) return projects[0]!;
    const web = projects.filter((p) => p.web);
    const pool = web.length > 0 ? web : projects.filter((p) => /<OutputType>\s*Exe/i.test(p.text));
    if (pool.length === 1) return pool[0]!;
    const candidates = pool.length > 0 ? pool : projects;
    const pick = candidates.find((p) => !p.file.includes('/')) ?? candidates.find((p) => /(Api|Web|Server)\.\w+proj$/.test(p.file)) ?? candidates[0]!;
    warnings.push(`Several projects (${candidates.map((p) => p.file).join(', ')}); publishing ${pick.file}. Set appPath to choose another.`);
    return pick;
  }

  private assemblyName(project: Project): string {
    const declared = /<AssemblyName>\s*([^<\s$]+)\s*<\/AssemblyName>/.exec(project.text)?.[1];
    return declared ?? project.file.split('/').pop()!.replace(PROJECT_FILE, '');
  }

  /** `net8.0` → `8.0`; with several target frameworks, the newest. */
  private async targetVersion(tree: SourceTree, project: Project, evidence: Evidence[]): Promise<string | null> {
    const sources = [
      { file: project.file, text: project.text },
      { file: 'Directory.Build.props', text: (await tree.read('Directory.Build.props')) ?? '' },
    ];
    for (const { file, text } of sources) {
      const match = /<TargetFrameworks?>\s*([^<]+)<\/TargetFrameworks?>/.exec(text);
      if (!match) continue;
      const versions = match[1]!
        .split(';')
        .map((t) => /^(?:net|netcoreapp)(\d+\.\d+)/.exec(t.trim())?.[1])
        .filter((v): v is string => Boolean(v))
        .sort((a, b) => Number(b.split('.')[0]) - Number(a.split('.')[0]));
      if (versions[0]) {
        evidence.push({ field: 'runtime.version', file, line: lineOf(text, match[0]), reason: `targets ${match[1]!.trim()}` });
        return versions[0];
      }
    }
    return null;
  }
}

interface Prebuilt {
  dll: string;
  config: string;
  web: boolean;
  version: string | null;
}

/** An app published already (`dotnet publish` output checked in): `X.runtimeconfig.json` beside `X.dll`. */
async function prebuilt(tree: SourceTree, files: readonly string[]): Promise<Prebuilt | null> {
  for (const config of files.filter((f) => !f.includes('/') && f.endsWith('.runtimeconfig.json'))) {
    const dll = config.replace(/\.runtimeconfig\.json$/, '.dll');
    if (!files.includes(dll)) continue;
    const text = (await tree.read(config)) ?? '';
    const tfm = /"tfm"\s*:\s*"(?:net|netcoreapp)(\d+\.\d+)"/.exec(text)?.[1] ?? null;
    return { dll, config, web: /Microsoft\.AspNetCore\.App/.test(text), version: tfm };
  }
  return null;
}
