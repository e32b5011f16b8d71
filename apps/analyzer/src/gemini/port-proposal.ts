import type { SourceTree } from '../detect/source-tree.js';
import { isSecretPath } from './secret-filter.js';
import type { Check } from './start-proposal.js';

/** Ports frameworks listen on when nothing else is said (their documented defaults). */
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

const SOURCE_EXT =
  /\.(js|mjs|cjs|ts|mts|jsx|tsx|py|go|rs|rb|php|java|kt|cs|ex|exs|json|toml|ya?ml|ini|cfg|conf|properties|xml|env\.example)$|(^|\/)(Dockerfile|Procfile)$/;

/** Where in a text a number is said to be a port, each with what it shows. */
function portStatements(port: number): [RegExp, string][] {
  const p = `(?<![\\d.])${port}(?![\\d.])`;
  // An optional host before the port: `0.0.0.0:`, `localhost:`, `[::]:`, `:`.
  const host = String.raw`(?:(?:[\w.-]+|\[[:\w]*\])?:)?`;
  return [
    [new RegExp(String.raw`\blisten\w*\s*\(\s*(?:\{[^}]*?\bport\s*:\s*)?['"\x60]?${host}${p}`, 'i'), 'it is passed to listen'],
    [
      new RegExp(String.raw`\bPORT\b[^\n]{0,60}?(?:\|\||\?\?|:-|\bor\b|,|unwrap_or(?:_else)?\(|\{|=)\s*\(?\s*['"]?${p}`),
      'it is the fallback when PORT is unset',
    ],
    [new RegExp(String.raw`(?:--port|--server\.port|--http-port|--listen|--bind|\s-p|\s-b)(?:[= ]|\s+)['"]?${host}${p}`), 'it is passed as the port'],
    [new RegExp(String.raw`^\s*EXPOSE\s+(?:\d+(?:/\w+)?\s+)*${p}`, 'mi'), 'the Dockerfile exposes it'],
    [new RegExp(String.raw`(?:0\.0\.0\.0|127\.0\.0\.1|localhost|\[::\]):${p}|['"\x60]:${p}['"\x60]`), 'it is a listening address'],
  ];
}

/** `port: 5050`, `"listenOn": 5050`, `server.port=5050`, `http_port = 5050` — a key that names a port. */
function configuredPort(text: string, port: number): boolean {
  const pattern = new RegExp(String.raw`(["']?)([A-Za-z][\w.-]*)\1\s*[:=]\s*['"]?(?:(?:[\w.-]+|\[[:\w]*\])?:)?(?<![\d.])${port}(?![\d.])`, 'g');
  for (const match of text.matchAll(pattern)) {
    const words = match[2]!
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .split(/[\s._-]+/);
    if (words.includes('port') || words.includes('listen')) return true;
  }
  return false;
}

/**
 * A proposed port must come from evidence about ports in the repository — a `listen(…)`, a PORT
 * fallback, a port key or flag, EXPOSE, a listening address — or be the framework's documented
 * default. The same digits anywhere else (a version in `engines.node`) are not evidence.
 */
export async function checkPort(port: number, framework: string | null, tree: SourceTree): Promise<Check> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, why: 'not a port number' };
  const statements = portStatements(port);
  for (const path of (await tree.files()).filter((p) => SOURCE_EXT.test(p) && !isSecretPath(p)).slice(0, 400)) {
    const text = await tree.read(path);
    if (text === null || !text.includes(String(port))) continue;
    const said = statements.find(([pattern]) => pattern.test(text));
    if (said) return { ok: true, file: path, checked: `${path} says ${port} is the port (${said[1]})` };
    if (configuredPort(text, port)) return { ok: true, file: path, checked: `${path} configures ${port} as the port` };
  }
  if (framework && FRAMEWORK_PORTS[framework]?.includes(port)) {
    return { ok: true, file: 'framework default', checked: `${port} is the default port of ${framework}` };
  }
  return { ok: false, why: 'nothing in the repository says the app listens on it, and it is not the framework default' };
}
