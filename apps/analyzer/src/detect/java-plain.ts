import type { Evidence } from '#contracts';
import { acceptValue } from './manifest-values.js';
import { lineOf, type SourceTree } from './source-tree.js';

/** Java with no Maven or Gradle build: what runs it, and whether it needs a JDK (source launch). */
export interface PlainJava {
  start: string;
  /** `java Main.java` compiles in memory, so it runs on a JDK, not a JRE. */
  needsJdk: boolean;
  evidence: Evidence;
}

const MAIN = /\bpublic\s+static\s+void\s+main\s*\(/;

/**
 * A jar or an exploded jar checked in (`META-INF/MANIFEST.MF` naming `Main-Class`), or a lone
 * source file with a `main` method, which Java 11+ runs as it is (`java Main.java`).
 */
export async function plainJava(tree: SourceTree, warnings: string[]): Promise<PlainJava | null> {
  const manifest = await tree.read('META-INF/MANIFEST.MF');
  // The class name goes into the command: Java's own grammar (dotted identifiers), nothing else.
  const mainClass = manifest ? /^Main-Class:\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*$/m.exec(manifest)?.[1] : undefined;
  if (manifest && mainClass) {
    return {
      start: `java $JAVA_OPTS -cp . ${mainClass}`,
      needsJdk: false,
      evidence: {
        field: 'commands.start',
        file: 'META-INF/MANIFEST.MF',
        line: lineOf(manifest, 'Main-Class'),
        reason: `an exploded jar whose Main-Class is ${mainClass}`,
      },
    };
  }
  const files = await tree.files(400);
  const jars = files.filter((f) => !f.includes('/') && f.endsWith('.jar') && acceptValue('maven-jar', f, f, warnings));
  if (jars.length === 1) {
    return {
      start: `java $JAVA_OPTS -jar ${jars[0]}`,
      needsJdk: false,
      evidence: { field: 'commands.start', file: jars[0]!, reason: `${jars[0]} is the one jar at the root` },
    };
  }
  const sources = files.filter((f) => !f.includes('/') && f.endsWith('.java') && acceptValue('repo-path', f, f, warnings));
  const withMain: { file: string; line: number | undefined }[] = [];
  for (const file of sources.slice(0, 20)) {
    const text = await tree.read(file);
    if (text && MAIN.test(text)) withMain.push({ file, line: lineOf(text, MAIN) });
  }
  // Source launch runs one file; with several the others must be on the class path, so only a lone one.
  if (withMain.length === 1 && sources.length === 1) {
    const [{ file, line }] = withMain as [{ file: string; line: number | undefined }];
    return {
      start: `java $JAVA_OPTS ${file}`,
      needsJdk: true,
      evidence: { field: 'commands.start', file, line, reason: `${file} has a main method and no build tool; Java 11+ runs a single source file as it is` },
    };
  }
  return null;
}
