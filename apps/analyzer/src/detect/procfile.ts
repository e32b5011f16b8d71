import { lineOf, type SourceTree } from './source-tree.js';

/** The `web:` process of a Procfile, which states the start command outright. */
export async function procfileWeb(tree: SourceTree): Promise<{ command: string; line: number | undefined } | null> {
  const text = await tree.read('Procfile');
  const match = text ? /^web:\s*(.+?)\s*$/m.exec(text) : null;
  return text && match ? { command: match[1]!, line: lineOf(text, match[0]) } : null;
}

/**
 * Commands that only run inside Heroku's own buildpacks: its PHP server scripts (ServerGem's PHP
 * image starts FrankenPHP instead) and the .NET buildpack's `bin/publish` layout (ServerGem
 * publishes to out/).
 */
export function isHerokuOnly(command: string): boolean {
  return /^(vendor\/bin\/)?heroku-php-/.test(command) || /(?:^|[\s/])bin\/publish\b/.test(command);
}
