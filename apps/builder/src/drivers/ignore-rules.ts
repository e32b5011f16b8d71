/**
 * The gitignore-style patterns of `.dockerignore` and `.gcloudignore`: `*`, `?`, `[...]`, `**`,
 * a leading `/` (anchored), a trailing `/` (folders only) and `!` (re-include). The last rule that
 * matches a path decides, and a rule matching a folder matches everything inside it.
 */
export type IgnoreFlavor = 'docker' | 'git';

interface IgnoreRule {
  negated: boolean;
  dirOnly: boolean;
  regex: RegExp;
}

export class IgnoreRules {
  private constructor(private readonly rules: IgnoreRule[]) {}

  /**
   * `docker` patterns are always relative to the context root; `git` patterns without a slash in
   * the middle match at any depth, as gitignore (and so `.gcloudignore`) defines them.
   */
  static parse(text: string, flavor: IgnoreFlavor): IgnoreRules {
    const rules: IgnoreRule[] = [];
    for (const raw of text.split(/\r?\n/)) {
      const rule = parseLine(raw, flavor);
      if (rule) rules.push(rule);
    }
    return new IgnoreRules(rules);
  }

  static combine(...sets: IgnoreRules[]): IgnoreRules {
    return new IgnoreRules(sets.flatMap((set) => set.rules));
  }

  /** True when some rule re-includes paths, so an ignored folder still has to be looked into. */
  get hasNegations(): boolean {
    return this.rules.some((rule) => rule.negated);
  }

  /** `path` is relative to the root, with `/` separators and no leading `./`. */
  ignores(path: string, isDir: boolean): boolean {
    const segments = path.split('/').filter(Boolean);
    let ignored = false;
    for (const rule of this.rules) {
      if (matchesSelfOrParent(rule, segments, isDir)) ignored = !rule.negated;
    }
    return ignored;
  }
}

function matchesSelfOrParent(rule: IgnoreRule, segments: string[], isDir: boolean): boolean {
  for (let length = segments.length; length > 0; length--) {
    const candidateIsDir = length < segments.length || isDir;
    if (rule.dirOnly && !candidateIsDir) continue;
    if (rule.regex.test(segments.slice(0, length).join('/'))) return true;
  }
  return false;
}

function parseLine(raw: string, flavor: IgnoreFlavor): IgnoreRule | null {
  let line = raw.replace(/(?<!\\)\s+$/, '');
  if (line === '' || line.startsWith('#')) return null;
  let negated = false;
  if (line.startsWith('!')) {
    negated = true;
    line = line.slice(1);
  } else if (line.startsWith('\\!') || line.startsWith('\\#')) {
    line = line.slice(1);
  }
  if (flavor === 'docker') line = line.replace(/^(\.\/)+/, '');
  const dirOnly = line.endsWith('/');
  line = line.replace(/\/+$/, '');
  const anchored = flavor === 'docker' || line.startsWith('/') || line.includes('/');
  line = line.replace(/^\/+/, '');
  if (line === '') return null;
  const body = globToRegex(line);
  return { negated, dirOnly, regex: new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`) };
}

function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      const atStart = i === 0 || glob[i - 1] === '/';
      const atEnd = i + 2 === glob.length || glob[i + 2] === '/';
      if (atStart && glob[i + 2] === '/') {
        out += '(?:.*/)?'; // `**/` is zero or more folders
        i += 2;
        continue;
      }
      if (atStart && atEnd) {
        out += '.*';
        i += 1;
        continue;
      }
      out += '[^/]*'; // `a**b` is just two stars
      i += 1;
    } else if (char === '*') {
      out += '[^/]*';
    } else if (char === '?') {
      out += '[^/]';
    } else if (char === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
        continue;
      }
      let set = glob.slice(i + 1, close).replace(/\\/g, '\\\\');
      if (set.startsWith('!')) set = `^${set.slice(1)}`;
      out += `[${set}]`;
      i = close;
    } else if (char === '\\' && i + 1 < glob.length) {
      out += escapeRegex(glob[++i]!);
    } else {
      out += escapeRegex(char);
    }
  }
  return out;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
