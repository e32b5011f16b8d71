import { Arg, DockerfileParser, Env, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { composeCommand, findDownloadExec } from '#common';

export interface Finding {
  rule: 'syntax' | 'base-image' | 'latest' | 'pipe-to-shell' | 'download-exec' | 'secret' | 'user' | 'start' | 'expose';
  severity: 'error' | 'warning';
  line: number;
  message: string;
}

/**
 * Base images ServerGem builds on: official language images, distroless and the static server.
 * Anything else (a README asking for `FROM evil/miner`) is refused in generated Dockerfiles.
 */
const ALLOWED_IMAGES = [
  /^(node|python|golang|rust|ruby|elixir|maven|gradle|eclipse-temurin|debian|composer|dart|clojure|swift|haskell|alpine)$/,
  // The language projects' own images where Docker Hub has no official one.
  /^crystallang\/crystal$/,
  /^sbtscala\/scala-sbt$/,
  /^oven\/bun$/,
  /^denoland\/deno$/,
  /^dunglas\/frankenphp$/,
  /^nginxinc\/nginx-unprivileged$/,
  /^hugomods\/hugo$/,
  /^gcr\.io\/distroless\/[a-z0-9-]+$/,
  /^mcr\.microsoft\.com\/dotnet\/(sdk|aspnet|runtime|runtime-deps)$/,
];

const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL)/i;
const SECRET_VALUE = /(ghp_|gho_|github_pat_|AKIA[0-9A-Z]{12}|xox[bp]-|-----BEGIN|sk_live_)/;

export interface PolicyOptions {
  /** The port the app listens on; EXPOSE must agree. */
  port?: number | null;
  /** Generated Dockerfiles are held to the allowlist; a repository's own only gets warnings. */
  strict: boolean;
}

/** Parses a Dockerfile with a real parser and applies ServerGem's policy. */
export function lintDockerfile(text: string, options: PolicyOptions): Finding[] {
  const findings: Finding[] = [];
  const severity = options.strict ? 'error' : 'warning';
  const add = (rule: Finding['rule'], at: Instruction | number, message: string, level: Finding['severity'] = severity) =>
    findings.push({ rule, severity: level, line: typeof at === 'number' ? at : at.getRange().start.line + 1, message });

  for (const diagnostic of validate(text)) {
    const message = typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value;
    if (diagnostic.severity === 1) findings.push({ rule: 'syntax', severity: 'error', line: diagnostic.range.start.line + 1, message });
  }
  const dockerfile = DockerfileParser.parse(text);
  const stages = new Set<string>();
  for (const from of dockerfile.getFROMs()) {
    const name = from.getImageName() ?? '';
    const registry = from.getRegistry();
    const image = registry ? `${registry}/${name}` : name;
    const tag = from.getImageTag();
    const stage = from.getBuildStage();
    if (stages.has(image) || stages.has(name)) {
      if (stage) stages.add(stage);
      continue;
    }
    if (stage) stages.add(stage);
    if (!from.getImageDigest() && (!tag || tag === 'latest')) add('latest', from, `FROM ${image}${tag ? `:${tag}` : ''} is not pinned to a version.`);
    if (!ALLOWED_IMAGES.some((allowed) => allowed.test(image))) add('base-image', from, `The base image ${image} is not on ServerGem's allowlist.`);
  }
  let lastUser: string | null = null;
  const exposed: number[] = [];
  // Shell text in order (RUN, ADD of a URL as the download it is, CMD/ENTRYPOINT), for download-then-execute.
  const shell: { text: string; at: Instruction }[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    const content = instruction.getArgumentsContent() ?? '';
    if (keyword === 'RUN' || keyword === 'CMD' || keyword === 'ENTRYPOINT') shell.push({ text: shellText(content), at: instruction });
    if (keyword === 'ADD') {
      const args = instruction.getArguments().map((a) => a.getValue());
      const urls = args.filter((a) => /^https?:\/\//i.test(a));
      if (urls.length > 0 && args.length >= 2) shell.push({ text: composeCommand(['curl', '-o', args.at(-1)!, ...urls]), at: instruction });
    }
    const properties =
      instruction instanceof Env ? instruction.getProperties() : instruction instanceof Arg ? [instruction.getProperty()].filter((p) => p !== null) : [];
    for (const property of properties) {
      const name = property.getName();
      if (SECRET_NAME.test(name) || SECRET_VALUE.test(property.getValue() ?? '')) {
        add('secret', instruction, `${keyword} ${name} looks like a secret; secrets belong in the runtime environment or Secret Manager, never in the image.`);
      }
    }
    if (keyword === 'USER') lastUser = content.trim();
    if (keyword === 'EXPOSE')
      exposed.push(
        ...content
          .split(/\s+/)
          .map((p) => Number.parseInt(p, 10))
          .filter((p) => !Number.isNaN(p)),
      );
  }
  for (const found of findDownloadExec(shell.map((s) => s.text))) {
    const { at } = shell[found.index]!;
    if (found.kind === 'pipe') add('pipe-to-shell', at, `${at.getKeyword()} ${found.message}.`);
    else add('download-exec', at, `${at.getKeyword()} ${found.message}: code downloaded at build or start is never run.`);
  }
  if (lastUser === null || /^(root|0)(:|$)/.test(lastUser)) add('user', 1, 'The image runs as root; add a USER with an unprivileged account.');
  if (dockerfile.getCMDs().length === 0 && dockerfile.getENTRYPOINTs().length === 0)
    add('start', 1, 'There is no CMD or ENTRYPOINT: the container would not know what to run.');
  if (options.port && exposed.length > 0 && !exposed.includes(options.port)) {
    add('expose', 1, `EXPOSE ${exposed.join(' ')} does not match the port the app listens on (${options.port}).`, 'warning');
  }
  return findings;
}

/** The shell text of a RUN/CMD/ENTRYPOINT: as written, or the script of an exec-form `["sh", "-c", "…"]`. */
function shellText(content: string): string {
  if (!content.trim().startsWith('[')) return content;
  try {
    const argv: unknown = JSON.parse(content);
    if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) return content;
    return /^(?:\/bin\/)?(?:ba|da|z)?sh$/.test(argv[0] ?? '') && argv[1] === '-c' && argv[2] !== undefined ? argv[2] : composeCommand(argv);
  } catch {
    return content;
  }
}
