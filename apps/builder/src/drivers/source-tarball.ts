import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { IgnoreRules } from './ignore-rules.js';
import { tarChunks, type TarEntry } from './tar-writer.js';

// Never uploaded, whatever the ignore files say: git's own data can hold credentials and history.
const ALWAYS_IGNORED = IgnoreRules.parse('.git/\n', 'git');
// Docker needs these two even when .dockerignore lists them.
const ALWAYS_SENT = new Set(['Dockerfile', '.dockerignore']);

/**
 * What Cloud Build receives: the app folder as a .tar.gz without what `.dockerignore` or
 * `.gcloudignore` exclude (`#!include:<file>` lines in `.gcloudignore` pull in another file's
 * patterns, as gcloud does). Symlinks are archived as links, never followed.
 */
export async function sourceTarball(appDir: string): Promise<Readable> {
  const rules = IgnoreRules.combine(
    IgnoreRules.parse(await readOptional(join(appDir, '.dockerignore')), 'docker'),
    IgnoreRules.parse(await gcloudIgnore(appDir), 'git'),
  );
  return Readable.from(tarChunks(walk(appDir, '', rules))).pipe(createGzip());
}

async function* walk(root: string, relative: string, rules: IgnoreRules): AsyncGenerator<TarEntry> {
  const names = (await readdir(join(root, relative))).sort();
  for (const name of names) {
    const path = relative ? `${relative}/${name}` : name;
    const absolute = join(root, path);
    const stats = await lstat(absolute);
    const isDir = stats.isDirectory();
    if (ALWAYS_IGNORED.ignores(path, isDir)) continue;
    const ignored = rules.ignores(path, isDir) && !(relative === '' && ALWAYS_SENT.has(name));
    if (isDir) {
      if (ignored && !rules.hasNegations) continue;
      if (!ignored) yield { path, type: 'dir', mode: stats.mode, mtime: stats.mtime };
      yield* walk(root, path, rules);
    } else if (!ignored && stats.isSymbolicLink()) {
      yield { path, type: 'symlink', mode: stats.mode, mtime: stats.mtime, linkTarget: await readlink(absolute) };
    } else if (!ignored && stats.isFile()) {
      yield { path, type: 'file', mode: stats.mode, mtime: stats.mtime, size: stats.size, sourcePath: absolute };
    }
  }
}

async function gcloudIgnore(appDir: string): Promise<string> {
  const text = await readOptional(join(appDir, '.gcloudignore'));
  const lines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const include = /^#!include:(.+)$/.exec(line.trim());
    // Only files inside the app folder: the ignore file is repository content, so untrusted.
    if (include && !include[1]!.includes('..') && !include[1]!.startsWith('/')) lines.push(await readOptional(join(appDir, include[1]!.trim())));
    else lines.push(line);
  }
  return lines.join('\n');
}

async function readOptional(path: string): Promise<string> {
  try {
    const stats = await lstat(path);
    return stats.isFile() ? await readFile(path, 'utf8') : '';
  } catch {
    return '';
  }
}
