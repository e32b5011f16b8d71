import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the built-values app answers: its build-time values as its build wrote them, its release and one runtime variable. */
export interface BuiltValuesAnswer {
  color: string | null;
  tokenSha256: string | null;
  release: string;
  greeting: string | null;
}

/**
 * An app whose build writes its build-time values into a file it serves (a stand-in for a bundler
 * inlining `VITE_*` or `NEXT_PUBLIC_*`): PUBLIC_COLOR as it is, BUILD_TOKEN as a hash of it only,
 * and which answers with one runtime variable (GREETING) too.
 */
export function writeBuiltValuesApp(dir: string, release: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'built-values', scripts: { build: 'node build.js', start: 'node server.js' } }));
  writeFileSync(
    join(dir, 'build.js'),
    "const { createHash } = require('node:crypto');\n" +
      "const token = process.env.BUILD_TOKEN ?? '';\n" +
      'require(\'node:fs\').writeFileSync(\'built.json\', JSON.stringify({ color: process.env.PUBLIC_COLOR ?? null, tokenSha256: token ? createHash("sha256").update(token).digest("hex").slice(0, 16) : null }));\n',
  );
  writeFileSync(
    join(dir, 'server.js'),
    "const built = JSON.parse(require('node:fs').readFileSync('built.json', 'utf8'));\n" +
      `require('node:http').createServer((_req, res) => res.end(JSON.stringify({ ...built, release: '${release}', greeting: process.env.GREETING ?? null }))).listen(Number(process.env.PORT || 3000));\n`,
  );
}
