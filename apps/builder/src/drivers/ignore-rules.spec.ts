import { describe, expect, it } from 'vitest';
import { IgnoreRules } from './ignore-rules.js';

describe(IgnoreRules.name, () => {
  it('matches a bare name at any depth in git flavour, only at the root in docker flavour', () => {
    const git = IgnoreRules.parse('node_modules\n', 'git');
    const docker = IgnoreRules.parse('node_modules\n', 'docker');
    expect(git.ignores('node_modules', true)).toBe(true);
    expect(git.ignores('packages/a/node_modules/x/index.js', false)).toBe(true);
    expect(docker.ignores('node_modules/x/index.js', false)).toBe(true);
    expect(docker.ignores('packages/a/node_modules/x/index.js', false)).toBe(false);
  });

  it('anchors a leading slash and a slash in the middle', () => {
    const sut = IgnoreRules.parse('/build\ndocs/tmp\n', 'git');
    expect(sut.ignores('build/out.js', false)).toBe(true);
    expect(sut.ignores('src/build/out.js', false)).toBe(false);
    expect(sut.ignores('docs/tmp/a.md', false)).toBe(true);
    expect(sut.ignores('x/docs/tmp/a.md', false)).toBe(false);
  });

  it('lets a single star stay within one folder', () => {
    const sut = IgnoreRules.parse('*.log\nsrc/*.tmp\n', 'git');
    expect(sut.ignores('debug.log', false)).toBe(true);
    expect(sut.ignores('logs/deep/debug.log', false)).toBe(true);
    expect(sut.ignores('src/a.tmp', false)).toBe(true);
    expect(sut.ignores('src/nested/a.tmp', false)).toBe(false);
  });

  it('understands ** at the start, in the middle and at the end', () => {
    const sut = IgnoreRules.parse('**/cache\na/**/z.txt\nout/**\n', 'docker');
    expect(sut.ignores('cache', true)).toBe(true);
    expect(sut.ignores('x/y/cache/file', false)).toBe(true);
    expect(sut.ignores('a/z.txt', false)).toBe(true);
    expect(sut.ignores('a/b/c/z.txt', false)).toBe(true);
    expect(sut.ignores('out/x/y.js', false)).toBe(true);
    expect(sut.ignores('out', true)).toBe(false);
  });

  it('applies a trailing slash to folders only', () => {
    const sut = IgnoreRules.parse('tmp/\n', 'git');
    expect(sut.ignores('tmp', true)).toBe(true);
    expect(sut.ignores('tmp/file', false)).toBe(true);
    expect(sut.ignores('tmp', false)).toBe(false);
  });

  it('re-includes with ! and lets the last matching rule decide', () => {
    const sut = IgnoreRules.parse('*.md\n!README.md\n', 'docker');
    expect(sut.ignores('CHANGES.md', false)).toBe(true);
    expect(sut.ignores('README.md', false)).toBe(false);
    expect(sut.hasNegations).toBe(true);
    const again = IgnoreRules.parse('!keep.env\n*.env\n', 'git');
    expect(again.ignores('keep.env', false)).toBe(true);
  });

  it('skips comments and blank lines, and honours ? and character classes', () => {
    const sut = IgnoreRules.parse('# a comment\n\n  \nfile?.txt\n[ab].js\n', 'git');
    expect(sut.ignores('# a comment', false)).toBe(false);
    expect(sut.ignores('file1.txt', false)).toBe(true);
    expect(sut.ignores('file12.txt', false)).toBe(false);
    expect(sut.ignores('a.js', false)).toBe(true);
    expect(sut.ignores('c.js', false)).toBe(false);
  });

  it('combines rule sets in order', () => {
    const sut = IgnoreRules.combine(IgnoreRules.parse('.env\n', 'docker'), IgnoreRules.parse('.git/\n', 'git'));
    expect(sut.ignores('.env', false)).toBe(true);
    expect(sut.ignores('.git/HEAD', false)).toBe(true);
    expect(sut.ignores('src/index.js', false)).toBe(false);
  });
});
