import type { Evidence } from '#contracts';
import { acceptValue } from './manifest-values.js';
import { lineOf, type SourceTree } from './source-tree.js';

export type JavaFramework = 'spring-boot' | 'quarkus' | 'micronaut';

export interface JavaBuild {
  tool: 'maven' | 'gradle';
  file: string;
  text: string;
  /** `./mvnw` / `./gradlew` when the wrapper is committed, else the bare tool. */
  command: string;
  /** The Gradle subproject that holds the application (`app/`), or '' for the root project. */
  module: string;
}

/** Most specific first: Quarkus and Micronaut both offer Spring-compatibility modules. */
const FRAMEWORKS: [marker: RegExp, slug: JavaFramework][] = [
  [/\bio\.quarkus\b/, 'quarkus'],
  [/\bio\.micronaut\b/, 'micronaut'],
  [/\borg\.springframework\.boot\b|spring-boot-starter/, 'spring-boot'],
];

/** Maven's own POM, and the Polyglot Maven forms (pom.yml, pom.kts, ...) that .mvn/extensions.xml enables. */
export const POM_FILES = ['pom.xml', 'pom.yml', 'pom.yaml', 'pom.kts', 'pom.groovy', 'pom.json', 'pom.rb', 'pom.scala', 'pom.atom'];

export async function javaBuild(tree: SourceTree, evidence: Evidence[], warnings: string[] = []): Promise<JavaBuild | null> {
  const pom = await firstOf(tree, POM_FILES);
  if (pom !== null) {
    const wrapper = await tree.exists('mvnw');
    evidence.push({
      field: 'packageManager',
      file: pom.file,
      line: 1,
      reason: `${pom.file} is a Maven build${wrapper ? '; mvnw is the committed wrapper' : ''}`,
    });
    return { tool: 'maven', file: pom.file, text: pom.text, command: wrapper ? './mvnw' : 'mvn', module: '' };
  }
  const wrapper = await tree.exists('gradlew');
  const root = await firstOf(tree, ['build.gradle.kts', 'build.gradle']);
  const settings = await firstOf(tree, ['settings.gradle.kts', 'settings.gradle']);
  const module =
    root && APPLICATION_PLUGIN.test(root.text) ? null : await applicationModule(tree, settings?.file ?? 'settings.gradle', settings?.text ?? '', warnings);
  const chosen = module ?? root ?? settings;
  if (!chosen) return null;
  const dir = module ? `${module.file.slice(0, module.file.lastIndexOf('/'))}/` : '';
  evidence.push({
    field: 'packageManager',
    file: chosen.file,
    line: 1,
    reason: `${chosen.file} is a Gradle build${module ? ` included from ${settings!.file}` : ''}${wrapper ? '; gradlew is the committed wrapper' : ''}`,
  });
  return { tool: 'gradle', file: chosen.file, text: chosen.text, command: wrapper ? './gradlew' : 'gradle', module: dir };
}

const APPLICATION_PLUGIN = /\bapplication\b|org\.springframework\.boot|io\.quarkus|io\.micronaut\.application/;

/** In a multi-project build, the included subproject that builds an application. */
async function applicationModule(tree: SourceTree, file: string, settings: string, warnings: string[]): Promise<{ file: string; text: string } | null> {
  const included = [...settings.matchAll(/include\s*\(?\s*((?:["'][^"']+["']\s*,?\s*)+)\)?/g)].flatMap((m) =>
    [...m[1]!.matchAll(/["']:?([^"']+)["']/g)].map((n) => n[1]!.replace(/:/g, '/')),
  );
  // The folder becomes part of the jar's path in the start command: only a plain relative path qualifies.
  for (const dir of included.filter((d) => acceptValue('gradle-project-dir', d, file, warnings))) {
    const found = await firstOf(tree, [`${dir}/build.gradle.kts`, `${dir}/build.gradle`]);
    if (found && APPLICATION_PLUGIN.test(found.text)) return found;
  }
  return null;
}

async function firstOf(tree: SourceTree, files: string[]): Promise<{ file: string; text: string } | null> {
  for (const file of files) {
    const text = await tree.read(file);
    if (text !== null) return { file, text };
  }
  return null;
}

/**
 * HTTP libraries an app embeds and starts itself from its main class (no framework packaging of
 * its own), with the port each listens on when the code names none.
 */
const SERVER_LIBRARIES: [marker: RegExp, slug: string, port: number | null][] = [
  [/\bio\.javalin\b/, 'javalin', 8080],
  [/\bcom\.sparkjava\b/, 'spark', 4567],
  [/\bio\.ktor\b/, 'ktor', 8080],
  [/\bio\.dropwizard\b/, 'dropwizard', 8080],
  [/\bio\.helidon\b/, 'helidon', 8080],
  [/\bio\.vertx\b/, 'vertx', null],
  [/\bio\.jooby\b/, 'jooby', 8080],
  [/\borg\.http4k\b/, 'http4k', null],
];

export function javaServerLibrary(build: JavaBuild, evidence: Evidence[]): { slug: string; port: number | null } | null {
  for (const [marker, slug, port] of SERVER_LIBRARIES) {
    if (marker.test(build.text)) {
      evidence.push({ field: 'framework', file: build.file, line: lineOf(build.text, marker), reason: `the build uses ${marker.exec(build.text)?.[0]}` });
      return { slug, port };
    }
  }
  return null;
}

export function javaFramework(build: JavaBuild, evidence: Evidence[]): JavaFramework | null {
  for (const [marker, slug] of FRAMEWORKS) {
    if (marker.test(build.text)) {
      evidence.push({ field: 'framework', file: build.file, line: lineOf(build.text, marker), reason: `the build uses ${marker.exec(build.text)?.[0]}` });
      return slug;
    }
  }
  return null;
}

/** Build and start commands; the jar's path depends on the tool and on how the framework packages it. */
export function javaCommands(
  build: JavaBuild,
  framework: JavaFramework | null,
  config: string,
  evidence: Evidence[],
  warnings: string[],
): { build: string[]; start: string } {
  const out = build.tool === 'maven' ? 'target' : `${build.module}build`;
  const buildCommand = build.tool === 'maven' ? `${build.command} -B -DskipTests clean package` : `${build.command} clean build -x check -x test`;
  let start: string;
  let reason: string;
  if (framework === 'quarkus' && /quarkus\.package\.(?:jar\.)?type\s*=\s*uber-jar/.test(config)) {
    start = `java $JAVA_OPTS -jar ${out}/*-runner.jar`;
    reason = 'Quarkus packages an uber-jar named *-runner.jar';
  } else if (framework === 'quarkus') {
    start = `java $JAVA_OPTS -jar ${out}/quarkus-app/quarkus-run.jar`;
    reason = 'Quarkus packages a fast-jar under quarkus-app/';
  } else if (build.tool === 'gradle' && framework === 'micronaut') {
    start = `java $JAVA_OPTS -jar ${out}/libs/*-all.jar`;
    reason = 'the Micronaut Gradle plugin builds a shadow jar named *-all.jar';
  } else if (build.tool === 'gradle' && !framework && /\bshadow\b/i.test(build.text)) {
    start = `java $JAVA_OPTS -jar ${out}/libs/*-all.jar`;
    reason = 'the Shadow plugin builds the runnable jar with its dependencies as *-all.jar';
  } else if (build.tool === 'gradle') {
    // Spring Boot's Gradle plugin also leaves a *-plain.jar without dependencies beside the runnable one.
    start = `java $JAVA_OPTS -jar $(ls -1 ${out}/libs/*.jar | grep -v plain)`;
    reason = framework === 'spring-boot' ? 'bootJar writes the runnable jar to build/libs' : 'the jar task writes to build/libs';
  } else {
    const named = mavenJarName(build.text);
    const jar = named ? acceptValue('maven-jar', named, build.file, warnings) : null;
    // The shade plugin keeps original-<name>.jar beside the runnable one, so name the jar when the pom allows.
    start = jar && framework !== 'spring-boot' ? `java $JAVA_OPTS -jar target/${jar}` : 'java $JAVA_OPTS -jar target/*.jar';
    reason = framework === 'spring-boot' ? 'spring-boot:repackage writes one runnable jar to target/' : 'package writes the jar to target/';
  }
  if (!framework && build.tool === 'maven' && !/maven-shade-plugin|maven-assembly-plugin|<mainClass>/.test(build.text)) {
    warnings.push('The pom names no main class or fat-jar plugin; the jar may not run on its own. Add a Dockerfile if it does not.');
  }
  if (!framework && build.tool === 'gradle' && !/shadow|Main-Class/.test(build.text)) {
    warnings.push("The Gradle jar holds only this project's classes; add a shadow/fat jar (or a Dockerfile) if it needs its dependencies.");
  }
  evidence.push({ field: 'commands.build', file: build.file, reason: `${build.tool} builds the application jar` });
  evidence.push({ field: 'commands.start', file: build.file, reason });
  return { build: [buildCommand], start };
}

function mavenJarName(pom: string): string | null {
  const finalName = /<build>[\s\S]*?<finalName>([^<$]+)<\/finalName>/.exec(pom)?.[1];
  if (finalName) return `${finalName.trim()}.jar`;
  // The project's own coordinates come before its properties, dependencies and build sections.
  const head = pom.replace(/<parent>[\s\S]*?<\/parent>/, '').split(/<(?:properties|dependencies|dependencyManagement|build|profiles|modules)>/)[0]!;
  const artifact = /<artifactId>([^<$]+)<\/artifactId>/.exec(head)?.[1];
  const version = /<version>([^<$]+)<\/version>/.exec(head)?.[1];
  return artifact && version ? `${artifact.trim()}-${version.trim()}.jar` : null;
}

/** The JDK version: pinned files first, then what the build compiles for. */
export async function javaVersion(tree: SourceTree, build: JavaBuild, evidence: Evidence[]): Promise<string | null> {
  const pinned = (await tree.read('.java-version'))?.trim();
  if (pinned && /^\d/.test(pinned)) {
    evidence.push({ field: 'runtime.version', file: '.java-version', line: 1, reason: `.java-version says ${pinned}` });
    return majorOf(pinned);
  }
  const props = await tree.read('system.properties');
  const fromProps = props ? /java\.runtime\.version\s*=\s*([\d.]+)/.exec(props) : null;
  if (props && fromProps) {
    evidence.push({ field: 'runtime.version', file: 'system.properties', line: lineOf(props, fromProps[0]), reason: fromProps[0] });
    return majorOf(fromProps[1]!);
  }
  const patterns =
    build.tool === 'maven'
      ? [
          /<maven\.compiler\.release>\s*([\d.]+)\s*</,
          /<java\.version>\s*([\d.]+)\s*</,
          /<release>\s*([\d.]+)\s*<\/release>/,
          /<maven\.compiler\.target>\s*([\d.]+)\s*</,
          /<(?:jdk|release)\.version>\s*([\d.]+)\s*</,
          /<maven\.compiler\.source>\s*([\d.]+)\s*</,
        ]
      : [
          /languageVersion(?:\.set\(|\s*=\s*)\s*JavaLanguageVersion\.of\(\s*(\d+)\s*\)/,
          /jvmToolchain\(\s*(\d+)\s*\)/,
          /(?:sourceCompatibility|targetCompatibility)\s*=\s*(?:JavaVersion\.VERSION_([\d_]+)|JavaVersion\.toVersion\(\s*['"]?([\d.]+)|['"]([\d.]+)['"])/,
        ];
  for (const pattern of patterns) {
    const match = pattern.exec(build.text);
    const version = match?.[1] ?? match?.[2] ?? match?.[3];
    if (match && version) {
      evidence.push({ field: 'runtime.version', file: build.file, line: lineOf(build.text, pattern), reason: match[0].trim() });
      return majorOf(version.replace(/_/g, '.'));
    }
  }
  return null;
}

function majorOf(version: string): string {
  const parts = version.split(/[.+-]/);
  return parts[0] === '1' && parts[1] ? parts[1] : parts[0]!;
}
