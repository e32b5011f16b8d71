import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

const MAX_FILE_BYTES = 1024 * 1024;
const IGNORED_DIRS = new Set(['.git', 'node_modules', 'vendor', 'dist', 'build', '.next', '.venv', 'venv', '__pycache__', 'target', '.servergem']);

/**
 * Read-only view of a checked-out repository. Every read stays inside the root: symlinks are never
 * followed, and a path that resolves outside is treated as absent.
 */
export class SourceTree {
  private listing: string[] | undefined;

  private constructor(readonly root: string) {}

  static async open(root: string): Promise<SourceTree> {
    return new SourceTree(await realpath(root));
  }

  /** The text of a regular file, or null when it is missing, a link, too big or outside the root. */
  async read(path: string): Promise<string | null> {
    const full = join(this.root, path);
    if (!this.inside(full)) return null;
    try {
      const stat = await lstat(full);
      if (!stat.isFile() || stat.size > MAX_FILE_BYTES) return null;
      if ((await realpath(full)) !== full) return null;
      return await readFile(full, 'utf8');
    } catch {
      return null;
    }
  }

  async exists(path: string): Promise<boolean> {
    const full = join(this.root, path);
    if (!this.inside(full)) return false;
    try {
      const stat = await lstat(full);
      return stat.isFile() || stat.isDirectory();
    } catch {
      return false;
    }
  }

  async readJson<T>(path: string): Promise<T | null> {
    const text = await this.read(path);
    if (text === null) return null;
    try {
      return JSON.parse(text) as T;
    } catch {
      return null;
    }
  }

  /** Regular files below the root (relative paths), skipping dependency and build folders. */
  async files(limit = 5000): Promise<string[]> {
    if (this.listing) return this.listing;
    const out: string[] = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      if (depth > 8 || out.length >= limit) return;
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const entry of entries) {
        if (out.length >= limit) return;
        const full = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!IGNORED_DIRS.has(entry.name)) await walk(full, depth + 1);
        } else if (entry.isFile()) {
          out.push(relative(this.root, full).split(sep).join('/'));
        }
      }
    };
    await walk(this.root, 0);
    this.listing = out;
    return out;
  }

  /** A view of a sub-folder, for monorepo apps. */
  async sub(path: string): Promise<SourceTree | null> {
    if (path === '.') return this;
    const full = join(this.root, path);
    if (!this.inside(full)) return null;
    try {
      const stat = await lstat(full);
      return stat.isDirectory() ? SourceTree.open(full) : null;
    } catch {
      return null;
    }
  }

  private inside(full: string): boolean {
    return full === this.root || full.startsWith(this.root + sep);
  }
}

/** The 1-based line of the first match of a pattern, for evidence. */
export function lineOf(text: string, pattern: RegExp | string): number | undefined {
  const index = typeof pattern === 'string' ? text.indexOf(pattern) : text.search(pattern);
  return index < 0 ? undefined : text.slice(0, index).split('\n').length;
}
