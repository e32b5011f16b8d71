import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real git repository made from a folder, with one commit on `main`. */
export function gitRepoFrom(folder: string, extraBranches: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'servergem-repo-'));
  cpSync(folder, dir, { recursive: true, filter: (src) => !src.includes('node_modules') });
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
      stdio: 'pipe',
    });
  git('init', '--quiet', '--initial-branch=main');
  git('add', '-A');
  git('commit', '--quiet', '-m', 'initial');
  for (const branch of extraBranches) git('branch', branch);
  return dir;
}

export function headOf(repo: string): string {
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo }).toString().trim();
}
