import type { AnalysisReport, Evidence } from '#contracts';
import type { SourceTree } from '../detect/source-tree.js';
import type { GeminiAnswer } from './gemini-answer.js';
import { isSecretPath } from './secret-filter.js';

type Check = { ok: true; file: string; checked: string } | { ok: false; why: string };

/** Ports frameworks listen on when nothing else is said (the value a proposal may match). */
const FRAMEWORK_PORTS: Record<string, number[]> = {
  express: [3000],
  fastify: [3000],
  nestjs: [3000],
  hono: [3000],
  koa: [3000],
  nextjs: [3000],
  remix: [3000],
  nuxt: [3000],
  sveltekit: [3000, 5173],
  vite: [5173, 4173],
  astro: [4321],
  angular: [4200],
  django: [8000],
  fastapi: [8000],
  flask: [5000],
  streamlit: [8501],
  rails: [3000],
  sinatra: [4567],
  laravel: [8000],
  symfony: [8000],
  phoenix: [4000],
  gin: [8080],
  echo: [8080],
  fiber: [3000],
  'spring-boot': [8080],
  quarkus: [8080],
  axum: [3000],
  'actix-web': [8080],
  rocket: [8000],
  'aspnet-core': [8080, 5000],
};

const MAX_COMMAND = 200;
const FORBIDDEN =
  /\b(sudo|su|doas|curl|wget|nc|ncat|telnet|ssh|scp|rm|chmod|chown|mkfs|dd|eval|source|apt|apt-get|apk|yum|dnf|brew|install)\b|\b(ba|z|da|k)?sh\s+-c\b/i;
const ALLOWED_CHARS = /^[A-Za-z0-9 _./:=@,+-]*$/;
// Detectors themselves write `$PORT`, `${PORT:-3000}` and `$JAVA_OPTS`; nothing else with `$`.
const ENV_REFERENCE = /\$\{[A-Z_][A-Z0-9_]*(:-[A-Za-z0-9_.]*)?\}|\$[A-Z_][A-Z0-9_]*/g;
const SCRIPT_RUNNER = /^(npm|pnpm|yarn|bun)(\s+run)?\s+([\w:.-]+)$/;
const SOURCE_EXT =
  /\.(js|mjs|cjs|ts|mts|jsx|tsx|py|go|rs|rb|php|java|kt|cs|ex|exs|json|toml|ya?ml|ini|cfg|conf|properties|xml|env\.example)$|(^|\/)(Dockerfile|Procfile)$/;

/** Merges the model's answer into the detectors' report: validated proposals only, the rest as warnings. */
export async function mergeAdvice(report: AnalysisReport, answer: GeminiAnswer, tree: SourceTree): Promise<AnalysisReport> {
  const evidence: Evidence[] = [...report.evidence];
  const warnings = [...report.warnings];
  const commands = { ...report.commands };
  let port = report.port;

  const proposedStart = answer.startCommand?.trim();
  if (proposedStart && proposedStart !== report.commands.start) {
    const check = await checkStartCommand(proposedStart, tree);
    if (check.ok) {
      commands.start = proposedStart;
      evidence.push({ field: 'commands.start', file: check.file, reason: proposedReason(check.checked, report.commands.start) });
    } else {
      warnings.push(`Gemini proposed the start command "${clip(proposedStart, 120)}"; rejected (${check.why}), kept ${quoted(report.commands.start)}.`);
    }
  }

  const proposedPort = answer.port;
  if (proposedPort !== null && proposedPort !== undefined && proposedPort !== report.port) {
    const check = await checkPort(proposedPort, report.framework, tree);
    if (check.ok) {
      port = proposedPort;
      evidence.push({ field: 'port', file: check.file, reason: proposedReason(check.checked, report.port) });
    } else {
      warnings.push(`Gemini proposed port ${clip(String(proposedPort), 20)}; rejected (${check.why}), kept ${report.port ?? 'none'}.`);
    }
  }

  for (const warning of (answer.warnings ?? []).slice(0, 5)) {
    const text = clip(warning, 300);
    if (text) warnings.push(`Gemini: ${text}`);
  }
  const explanation = clip(answer.explanation, 1500);
  return { ...report, commands, port, evidence, warnings, ...(explanation ? { explanation } : {}) };
}

/**
 * A start command the model proposes is accepted only when it is a plain command line of the kind
 * the detectors write themselves and it names a file in the repository or a script of the manifest.
 */
export async function checkStartCommand(command: string, tree: SourceTree): Promise<Check> {
  if (command.length > MAX_COMMAND || /[\r\n]/.test(command)) return { ok: false, why: 'too long or more than one line' };
  if (FORBIDDEN.test(command)) return { ok: false, why: 'it downloads, installs, escalates or runs a shell' };
  if (!ALLOWED_CHARS.test(command.replace(ENV_REFERENCE, ''))) return { ok: false, why: 'it contains shell metacharacters' };

  const runner = SCRIPT_RUNNER.exec(command);
  if (runner) {
    const manifest = await tree.readJson<{ scripts?: Record<string, unknown> }>('package.json');
    const script = runner[3]!;
    if (typeof manifest?.scripts?.[script] === 'string') return { ok: true, file: 'package.json', checked: `script "${script}" is in package.json` };
    return { ok: false, why: `package.json has no "${script}" script` };
  }
  for (const [index, token] of command.split(/\s+/).entries()) {
    // The program itself (`node`, `python`) is not a repository file unless written as a path.
    if (index === 0 && !token.includes('/')) continue;
    for (const candidate of pathCandidates(token)) {
      if (!isSecretPath(candidate) && (await tree.exists(candidate))) return { ok: true, file: candidate, checked: `${candidate} exists in the repository` };
    }
  }
  return { ok: false, why: 'it names no file of the repository and no script of the manifest' };
}

/** A proposed port must be a real port and appear in the source, or be the framework's default. */
export async function checkPort(port: number, framework: string | null, tree: SourceTree): Promise<Check> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, why: 'not a port number' };
  const pattern = new RegExp(`(^|[^0-9.])${port}([^0-9.]|$)`);
  for (const path of (await tree.files()).filter((p) => SOURCE_EXT.test(p) && !isSecretPath(p)).slice(0, 400)) {
    const text = await tree.read(path);
    if (text !== null && pattern.test(text)) return { ok: true, file: path, checked: `${port} appears in ${path}` };
  }
  if (framework && FRAMEWORK_PORTS[framework]?.includes(port))
    return { ok: true, file: 'framework default', checked: `${port} is the default port of ${framework}` };
  return { ok: false, why: 'it appears nowhere in the source and is not the framework default' };
}

function pathCandidates(token: string): string[] {
  const bare = token.replace(/^\.\//, '');
  if (!bare || bare.startsWith('/') || bare.startsWith('-') || bare.split('/').includes('..') || bare.includes('$')) return [];
  const out = [bare];
  // Python modules: `app:app`, `pkg.wsgi:application`, `-m pkg.main`.
  const module = bare.split(':')[0]!;
  if (/^[A-Za-z_][\w.]*$/.test(module)) {
    const asPath = module.split('.').join('/');
    out.push(`${asPath}.py`, `${asPath}/__init__.py`, `${asPath}/__main__.py`);
  }
  return [...new Set(out)];
}

function proposedReason(checked: string, previous: string | number | null): string {
  return `proposed by Gemini, checked: ${checked}${previous === null ? '' : ` (replaces detected ${quoted(previous)})`}`;
}

function quoted(value: string | number | null): string {
  return value === null ? 'none' : typeof value === 'number' ? String(value) : `"${value}"`;
}

/** Model text shown to people: one line of printable characters, bounded. */
function clip(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
