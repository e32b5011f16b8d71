import { lineOf, type SourceTree } from './source-tree.js';

/** The `web:` process of a Procfile, which states the start command outright. */
export async function procfileWeb(tree: SourceTree): Promise<{ command: string; line: number | undefined } | null> {
  const text = await tree.read('Procfile');
  const match = text ? /^web:\s*(.+?)\s*$/m.exec(text) : null;
  return text && match ? { command: match[1]!, line: lineOf(text, match[0]) } : null;
}

/** Heroku's PHP buildpack commands exist only on Heroku; ServerGem's PHP image starts FrankenPHP instead. */
export function isHerokuOnly(command: string): boolean {
  return /^(vendor\/bin\/)?heroku-php-/.test(command);
}
