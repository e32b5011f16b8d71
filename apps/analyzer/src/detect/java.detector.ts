import type { Evidence, ServiceReport } from '#contracts';
import { DomainError } from '#common';
import type { Detector } from './detector.js';
import { plainJava, type PlainJava } from './java-plain.js';
import { yamlValue } from './yaml-value.js';
import { javaBuild, javaCommands, javaFramework, javaServerLibrary, javaVersion, POM_FILES, type JavaFramework } from './java-build.js';
import { clampConfidence, scanSources, sourceFiles, type ScanRules } from './pattern-scan.js';
import { lineOf, type SourceTree } from './source-tree.js';

const CONFIG_FILES = [
  'src/main/resources/application.properties',
  'src/main/resources/application.yml',
  'src/main/resources/application.yaml',
  'src/main/resources/application-prod.properties',
  'src/main/resources/application-prod.yml',
];

/** The property each framework reads its HTTP port from, dotted and as YAML nesting. */
const PORT_KEYS: Record<JavaFramework, string[]> = {
  'spring-boot': ['server', 'port'],
  quarkus: ['quarkus', 'http', 'port'],
  micronaut: ['micronaut', 'server', 'port'],
};

const DEFAULT_PORT = 8080;

const RULES: ScanRules = {
  dialect: 'java',
  env: [
    /System\.getenv\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\)/g,
    /System\.getenv\(\)\.(?:get|getOrDefault)\(\s*"([A-Za-z_][A-Za-z0-9_]*)"/g,
    [/\$\{([A-Z][A-Z0-9_]*)(?::[^}]*)?\}/g, 'spring'],
  ],
  portEnv: /System\.getenv\(\s*"PORT"\s*\)|System\.getenv\(\)\.(?:get|getOrDefault)\(\s*"PORT"/,
  ports: [
    [/getOrDefault\(\s*"PORT"\s*,\s*"(\d{2,5})"/, 'falls back to this port when PORT is unset'],
    [/getenv\(\s*"PORT"\s*\)[^;]*?(?:\?|orElse\(|:)\s*"?(\d{2,5})/, 'falls back to this port when PORT is unset'],
    [/new\s+InetSocketAddress\(\s*(?:"[^"]*"\s*,\s*)?(\d{2,5})\s*\)/, 'listens on this literal port'],
    [/\b(?:port|start)\(\s*(\d{2,5})\s*\)/, 'listens on this literal port'],
  ],
};

export class JavaDetector implements Detector {
  readonly name = 'java';

  async matches(tree: SourceTree): Promise<boolean> {
    for (const file of [...POM_FILES, 'build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts']) if (await tree.exists(file)) return true;
    return (await plainJava(tree, [])) !== null;
  }

  async detect(tree: SourceTree, appPath: string): Promise<ServiceReport> {
    const evidence: Evidence[] = [];
    const warnings: string[] = [];
    const build = await javaBuild(tree, evidence, warnings);
    const plain = build ? null : await plainJava(tree, warnings);
    if (plain) return this.plain(tree, appPath, plain, warnings);
    if (!build) {
      throw new DomainError(
        'UNSUPPORTED_APP',
        'The Java app has no pom.xml or build.gradle that ServerGem can read.',
        'Add a Maven or Gradle build, or a Dockerfile.',
      );
    }
    const framework = javaFramework(build, evidence);
    const library = framework ? null : javaServerLibrary(build, evidence);

    let config = '';
    const configs: { file: string; text: string }[] = [];
    for (const file of CONFIG_FILES.map((f) => `${build.module}${f}`)) {
      const text = await tree.read(file);
      if (text !== null) {
        configs.push({ file, text });
        config += text + '\n';
      }
    }
    const commands = javaCommands(build, framework, config, evidence, warnings);

    const files = await tree.files();
    const sources = sourceFiles(files, /\.(java|kt)$/, /(^|\/)src\/test\//);
    const scan = await scanSources(tree, [...configs.map((c) => c.file), ...sources], RULES);
    evidence.push(...scan.evidence);

    const configured = framework ? await this.configuredPort(configs, PORT_KEYS[framework]) : null;
    let port: number | null;
    let portFromEnv = scan.portFromEnv;
    if (configured) {
      evidence.push({ field: 'port', file: configured.file, line: configured.line, reason: `${PORT_KEYS[framework!].join('.')} is ${configured.value}` });
      port = configured.port ?? DEFAULT_PORT;
      if (configured.fromEnv) {
        portFromEnv = true;
        evidence.push({ field: 'portFromEnv', file: configured.file, line: configured.line, reason: `${PORT_KEYS[framework!].join('.')} reads PORT` });
      }
    } else if (framework) {
      port = DEFAULT_PORT;
      evidence.push({ field: 'port', file: build.file, reason: `${framework} listens on ${DEFAULT_PORT} by default` });
    } else {
      port = scan.port;
      if (port === null && library?.port) {
        port = library.port;
        evidence.push({ field: 'port', file: build.file, reason: `${library.slug} listens on ${library.port} unless the code says otherwise` });
      }
    }
    if (framework && !portFromEnv) {
      warnings.push(`${framework} does not read PORT here; ServerGem will route to port ${port}.`);
    }

    const version = await javaVersion(tree, build, evidence);
    let confidence = 0.6;
    if (framework) confidence += 0.2;
    if (port !== null) confidence += 0.1;
    if (version) confidence += 0.1;

    return {
      language: 'java',
      framework: framework ?? library?.slug ?? null,
      runtime: { name: 'java', version },
      packageManager: build.tool,
      commands: { install: [], build: commands.build, start: commands.start },
      port,
      portFromEnv,
      env: scan.env,
      appPath,
      evidence,
      confidence: clampConfidence(confidence),
      warnings,
    };
  }

  /** Java run as it is: a checked-in jar, an exploded jar or a single source file. */
  private async plain(tree: SourceTree, appPath: string, plain: PlainJava, warnings: string[]): Promise<ServiceReport> {
    const files = await tree.files();
    const sources = [plain.evidence.file, ...sourceFiles(files, /\.(java|kt)$/, /(^|\/)src\/test\//)].filter((f) => f.endsWith('.java'));
    const scan = await scanSources(tree, sources, RULES);
    return {
      language: 'java',
      framework: null,
      runtime: { name: 'java', version: null },
      packageManager: null,
      commands: { install: [], build: [], start: plain.start },
      port: scan.port,
      portFromEnv: scan.portFromEnv,
      env: scan.env,
      appPath,
      evidence: [plain.evidence, ...scan.evidence],
      confidence: 0.7,
      warnings: [
        ...warnings,
        ...(plain.needsJdk ? ['Runs the source file directly (java Main.java), so the image is a JDK; add a Maven or Gradle build for a smaller one.'] : []),
      ],
    };
  }

  /** The port property from application.properties or .yml: `8081`, `${PORT:8080}` or `${PORT}`. */
  private async configuredPort(
    configs: { file: string; text: string }[],
    keys: string[],
  ): Promise<{ file: string; line: number | undefined; value: string; port: number | null; fromEnv: boolean } | null> {
    for (const { file, text } of configs) {
      const raw = file.endsWith('.properties') ? this.propertyValue(text, keys.join('.')) : await yamlValue(text, keys);
      if (!raw) continue;
      const placeholder = /^\$\{([A-Za-z_][\w.-]*)(?::(\d+))?\}$/.exec(raw.value);
      const port = placeholder ? (placeholder[2] ? Number(placeholder[2]) : null) : /^\d+$/.test(raw.value) ? Number(raw.value) : null;
      return { file, line: raw.line, value: raw.value, port, fromEnv: placeholder?.[1] === 'PORT' };
    }
    return null;
  }

  private propertyValue(text: string, key: string): { value: string; line: number | undefined } | null {
    const pattern = new RegExp(`^\\s*${key.replace(/\./g, '\\.')}\\s*[=:]\\s*(.+?)\\s*$`, 'm');
    const match = pattern.exec(text);
    return match ? { value: match[1]!, line: lineOf(text, pattern) } : null;
  }
}
