import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The compiled entry point of a process the runtime starts detached (a front door, a log writer),
 * next to this file; from the TypeScript sources (the test runner), its build under dist/.
 */
export function detachedScript(name: string): string {
  const here = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  if (existsSync(here)) return here;
  const marker = `${sep}apps${sep}deployer${sep}src${sep}runtime${sep}`;
  const at = here.lastIndexOf(marker);
  const compiled = at >= 0 ? join(here.slice(0, at), 'dist', here.slice(at + 1)) : here;
  if (existsSync(compiled)) return compiled;
  throw new Error(`the ${name} script is not built; run \`npm run build\``);
}
