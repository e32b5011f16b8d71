import { DockerfileParser, Run } from 'dockerfile-ast';
import { envNameSchema } from '#contracts';

/** `env=` on a secret mount needs this Dockerfile frontend or newer. */
const MIN_SYNTAX = [1, 10] as const;
const SYNTAX = /^docker\/dockerfile:(\d+)(?:\.(\d+))?(?:\.\d+)?(-labs)?$/;

/**
 * Gives every RUN line the build-time variables as BuildKit secret mounts
 * (`RUN --mount=type=secret,id=NAME,env=NAME …`): each is an environment variable of that command
 * only, in no layer, ARG or ENV, and never in the image's history. A RUN that already mounts one of
 * them keeps its own mount. A `# syntax=docker/dockerfile:` line older than 1.10 (the first with
 * `env=`) is raised to 1.10; a Dockerfile without one gets it.
 */
export function addSecretMounts(dockerfile: string, names: readonly string[]): string {
  if (names.length === 0) return dockerfile;
  for (const name of names) {
    // Names land in the Dockerfile: only env var names, nothing that could add syntax.
    if (!envNameSchema.safeParse(name).success) throw new Error(`Not an environment variable name: ${JSON.stringify(name)}`);
  }
  const parsed = DockerfileParser.parse(dockerfile);
  const lines = dockerfile.split('\n');
  // Bottom up, so earlier insertions do not move the positions of later ones.
  const runs = parsed.getInstructions().filter((i): i is Run => i instanceof Run);
  for (const run of runs.reverse()) {
    const mounted = new Set(
      run
        .getFlags()
        .filter((f) => f.getName() === 'mount')
        .map((f) => /(?:^|,)id=([^,]+)/.exec(f.getValue() ?? '')?.[1])
        .filter(Boolean),
    );
    const mounts = names.filter((name) => !mounted.has(name)).map((name) => `--mount=type=secret,id=${name},env=${name}`);
    if (mounts.length === 0) continue;
    const { line, character } = run.getInstructionRange().end;
    const text = lines[line]!;
    lines[line] = `${text.slice(0, character)} ${mounts.join(' ')}${text.slice(character)}`;
  }
  return withSyntax(lines.join('\n'), parsed.getDirectives());
}

function withSyntax(dockerfile: string, directives: ReturnType<ReturnType<typeof DockerfileParser.parse>['getDirectives']>): string {
  const syntax = directives.find((d) => d.getName().toLowerCase() === 'syntax');
  if (!syntax) return `# syntax=docker/dockerfile:${MIN_SYNTAX.join('.')}\n${dockerfile}`;
  const match = SYNTAX.exec(syntax.getValue());
  // Another frontend, or a pinned digest: the Dockerfile's author chose it.
  if (!match) return dockerfile;
  const [major, minor] = [Number(match[1]), Number(match[2] ?? 0)];
  if (major > MIN_SYNTAX[0] || (major === MIN_SYNTAX[0] && minor >= MIN_SYNTAX[1])) return dockerfile;
  const lines = dockerfile.split('\n');
  const { line, character } = syntax.getValueRange().start;
  const end = syntax.getValueRange().end.character;
  lines[line] = `${lines[line]!.slice(0, character)}docker/dockerfile:${MIN_SYNTAX.join('.')}${match[3] ?? ''}${lines[line]!.slice(end)}`;
  return lines.join('\n');
}
