import { classifyEnv, type EnvCollector } from './env-vars.js';

const MEMBER_READ = /\b(?:process\.env|Bun\.env)(?:\.([A-Z_][A-Z0-9_]*)\b|\[\s*['"]([A-Z_][A-Z0-9_]*)['"]\s*\])/g;
/** `const { A, B = 'x', C: c } = process.env` */
const DESTRUCTURED = /\{([^{}]*)\}\s*=\s*(?:process\.env|Bun\.env)\b/g;
/** Set by the image or the platform, never by the person deploying. */
const IGNORED = new Set(['NODE_ENV']);

/** The env vars a JavaScript or TypeScript file reads, required when read with no fallback. */
export function collectJsEnv(env: EnvCollector, file: string, text: string): void {
  for (const match of text.matchAll(MEMBER_READ)) {
    const name = match[1] ?? match[2]!;
    if (!IGNORED.has(name)) env.add(name, file, text, match);
  }
  for (const match of text.matchAll(DESTRUCTURED)) {
    const line = text.slice(0, match.index).split('\n').length;
    for (const part of match[1]!.split(',')) {
      const binding = /^\s*([A-Z_][A-Z0-9_]*)\s*(?::\s*[\w$]+\s*)?(=)?/.exec(part);
      if (!binding || IGNORED.has(binding[1]!)) continue;
      // A default in the pattern (`PORT = 3000`) is a fallback; a bare name needs a value.
      env.set(classifyEnv(binding[1]!, `${file}:${line}`, !binding[2]));
    }
  }
}
