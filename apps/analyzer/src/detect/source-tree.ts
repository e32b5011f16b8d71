import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';

const MAX_FILE_BYTES = 1024 * 1024;
const MAX_LISTED = 5000;
const IGNORED_DIRS = new Set(['.git', 'node_modules', 'vendor', 'dist', 'build', '.next', '.venv', 'venv', '__pycache__', 'target', '.servergem']);

/**
 * Read-only view of a checked-out repository. Every read stays inside the root: symlinks are never
 * followed, and a path that resolves outside is treated as absent.
 */
type EntryKind = 'file' | 'dir' | 'other';

export class SourceTree {
  private listing: string[] | undefined;
  /** Each folder's entries, read once: detectors ask about the same few files again and again. */
  private readonly folders = new Map<string, Promise<Map<string, EntryKind>>>();

  private constructor(readonly root: string) {}

  static async open(root: string): Promise<SourceTree> {
    return new SourceTree(await realpath(root));
  }

  /** The text of a regular file, or null when it is missing, a link, too big or outside the root. */
  async read(path: string): Promise<string | null> {
    if ((await this.kind(path)) !== 'file') return null;
    const full = join(this.root, path);
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
    const kind = await this.kind(path);
    return kind === 'file' || kind === 'dir';
  }

  /**
   * What a path is, judged without following links: every folder on the way must be a real
   * folder inside the root, so a symlinked folder hides what lies behind it.
   */
  private async kind(path: string): Promise<EntryKind | null> {
    const full = join(this.root, path);
    if (full === this.root) return 'dir';
    if (!this.inside(full)) return null;
    const parent = dirname(full);
    if (parent !== this.root && (await this.kind(relative(this.root, parent))) !== 'dir') return null;
    return (await this.entries(parent)).get(basename(full)) ?? null;
  }

  private entries(dir: string): Promise<Map<string, EntryKind>> {
    let cached = this.folders.get(dir);
    if (!cached) {
      cached = readdir(dir, { withFileTypes: true }).then(
        (list) => new Map(list.map((e) => [e.name, e.isFile() ? 'file' : e.isDirectory() ? 'dir' : 'other'] as const)),
        () => new Map<string, EntryKind>(),
      );
      this.folders.set(dir, cached);
    }
    return cached;
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

  /** Regular files below the root (relative paths), skipping dependency and build folders; the first `limit`. */
  async files(limit = MAX_LISTED): Promise<string[]> {
    this.listing ??= await this.list();
    return limit < this.listing.length ? this.listing.slice(0, limit) : this.listing;
  }

  private async list(): Promise<string[]> {
    const limit = MAX_LISTED;
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
    return out;
  }

  /**
   * A view of a sub-folder, for monorepo apps: null unless every folder on the way is a real one,
   * since `lstat` alone follows a linked folder earlier in the path (`link/app`, `link` → `/home`).
   */
  async sub(path: string): Promise<SourceTree | null> {
    if (path === '.') return this;
    if ((await this.kind(path)) !== 'dir') return null;
    return SourceTree.open(join(this.root, path));
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
