import { lstat, mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { DomainError } from '#common';

/** A proposed change of one file: a unified diff, as `git apply` reads it, path relative to the app folder. */
export interface FilePatchInput {
  file: string;
  diff: string;
}

export interface Hunk {
  oldStart: number;
  /** The hunk's lines without their prefix: ` ` context, `-` removed, `+` added. */
  lines: { op: ' ' | '-' | '+'; text: string }[];
}

export interface ParsedPatch {
  file: string;
  /** The file does not exist before (`--- /dev/null`). */
  created: boolean;
  hunks: Hunk[];
}

/** Bounds a patch stays within: a fix is a few lines, never a rewrite. */
export const PATCH_LIMITS = { maxPatches: 5, maxDiffChars: 20_000, maxHunks: 20, maxFileBytes: 1024 ** 2 };

/** Files a patch never touches: git's own folder, and what holds secrets (SECURITY.md). */
const FORBIDDEN = [
  /^\.git(\/|$)/,
  /(^|\/)\.env(\..*)?$/,
  /\.(pem|key)$/,
  /(^|\/)id_(rsa|ed25519|ecdsa)$/,
  /(^|\/)credentials\.json$/,
  /(^|\/)node_modules(\/|$)/,
];

function refused(message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', `The patch was refused: ${message}`, 'Nothing was changed. Ask "why did it fail?" again for a fresh proposal.');
}

/** A relative path that stays inside the folder: no absolute path, no `..`, no control characters, not a forbidden file. */
export function checkPatchPath(file: string): string {
  // eslint-disable-next-line no-control-regex
  if (!file || file.length > 1024 || /[\u0000-\u001f\u007f\\]/.test(file)) throw refused(`\`${file.slice(0, 80)}\` is not a file path.`);
  const parts = file.split('/');
  if (file.startsWith('/') || parts.some((p) => p === '..' || p === '' || p === '.')) throw refused(`\`${file}\` is outside the app's folder.`);
  if (FORBIDDEN.some((f) => f.test(file))) throw refused(`\`${file}\` is a file ServerGem never changes.`);
  return file;
}

/**
 * Reads a unified diff of exactly one file, strictly: the headers must name `file`, every hunk's
 * line counts must add up. Never throws anything but a VALIDATION_FAILED that says what is wrong.
 */
export function parseFilePatch(patch: FilePatchInput): ParsedPatch {
  const file = checkPatchPath(patch.file);
  if (patch.diff.length > PATCH_LIMITS.maxDiffChars) throw refused(`the diff of \`${file}\` is longer than ${PATCH_LIMITS.maxDiffChars} characters.`);
  const lines = patch.diff.replace(/\r\n/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  let i = 0;
  while (i < lines.length && !lines[i]!.startsWith('--- ')) {
    if (!/^(diff --git |index |new file mode 100644$|old mode |new mode )/.test(lines[i]!)) throw refused(`unexpected line before the diff of \`${file}\`.`);
    i++;
  }
  const from = lines[i]?.slice(4).trim();
  const to = lines[i + 1]?.startsWith('+++ ') ? lines[i + 1]!.slice(4).trim() : undefined;
  if (from === undefined || to === undefined) throw refused(`the diff of \`${file}\` has no \`---\`/\`+++\` header.`);
  const created = from === '/dev/null';
  if ((!created && from !== `a/${file}`) || to !== `b/${file}`) throw refused(`the diff names another file than \`${file}\`.`);
  i += 2;
  const hunks: Hunk[] = [];
  while (i < lines.length) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(lines[i]!);
    if (!header) throw refused(`line ${i + 1} of the diff of \`${file}\` is not a hunk header.`);
    if (hunks.length >= PATCH_LIMITS.maxHunks) throw refused(`the diff of \`${file}\` has more than ${PATCH_LIMITS.maxHunks} hunks.`);
    let oldCount = header[2] === undefined ? 1 : Number(header[2]);
    let newCount = header[4] === undefined ? 1 : Number(header[4]);
    const hunk: Hunk = { oldStart: Number(header[1]), lines: [] };
    i++;
    while (oldCount > 0 || newCount > 0) {
      const line = lines[i];
      if (line === undefined) throw refused(`a hunk of \`${file}\` ends before its line counts say.`);
      const op = line[0] === undefined ? ' ' : line[0];
      if (op !== ' ' && op !== '-' && op !== '+') throw refused(`line ${i + 1} of the diff of \`${file}\` is neither context, removal nor addition.`);
      if (op !== '+') oldCount--;
      if (op !== '-') newCount--;
      if (oldCount < 0 || newCount < 0) throw refused(`a hunk of \`${file}\` has more lines than its header says.`);
      hunk.lines.push({ op, text: line.slice(1) });
      i++;
    }
    if (lines[i] === '\\ No newline at end of file') i++;
    hunks.push(hunk);
  }
  if (!hunks.length) throw refused(`the diff of \`${file}\` changes nothing.`);
  if (created && hunks.some((h) => h.lines.some((l) => l.op !== '+'))) throw refused(`a new file \`${file}\` can only have added lines.`);
  return { file, created, hunks };
}

/**
 * The file's text after the patch, or `null` when the patch is already in it (its result is there
 * and its old lines are not). Context and removed lines must match exactly, at the hunk's line or
 * nearby (the file may have moved by a few lines): a patch never applies by guesswork.
 */
export function patchText(before: string | null, patch: ParsedPatch): string | null {
  if (patch.created) {
    const after = patch.hunks.flatMap((h) => h.lines.map((l) => l.text));
    const text = `${after.join('\n')}\n`;
    if (before === null) return text;
    if (before === text) return null;
    throw conflict(patch.file, 'it already exists with other content');
  }
  if (before === null) throw conflict(patch.file, 'it does not exist');
  const lines = before.split('\n');
  const trailingNewline = lines.at(-1) === '';
  if (trailingNewline) lines.pop();
  const out: string[] = [];
  let at = 0;
  let applied = 0;
  let skipped = 0;
  for (const hunk of patch.hunks) {
    const old = hunk.lines.filter((l) => l.op !== '+').map((l) => l.text);
    const found = locate(lines, old, Math.max(0, hunk.oldStart - 1), at);
    if (found === null) {
      const result = hunk.lines.filter((l) => l.op !== '-').map((l) => l.text);
      if (applied === 0 && locate(lines, result, Math.max(0, hunk.oldStart - 1), 0) !== null) {
        skipped++;
        continue;
      }
      throw conflict(patch.file, `the lines around line ${hunk.oldStart} are not the ones the patch was made for`);
    }
    if (skipped > 0) throw conflict(patch.file, 'part of it is in the file already and part is not');
    applied++;
    out.push(...lines.slice(at, found), ...hunk.lines.filter((l) => l.op !== '-').map((l) => l.text));
    at = found + old.length;
  }
  if (applied === 0) return null;
  out.push(...lines.slice(at));
  return out.join('\n') + (trailingNewline ? '\n' : '');
}

/** Where `wanted` starts in `lines`, searching outward from `near`, never before `from`. */
function locate(lines: readonly string[], wanted: readonly string[], near: number, from: number): number | null {
  const matches = (start: number) => start >= from && start + wanted.length <= lines.length && wanted.every((w, k) => lines[start + k] === w);
  for (let offset = 0; offset <= 50; offset++) {
    if (matches(near - offset)) return near - offset;
    if (offset > 0 && matches(near + offset)) return near + offset;
  }
  return null;
}

function conflict(file: string, why: string): DomainError {
  return new DomainError(
    'INVALID_SOURCE',
    `The patch of \`${file}\` does not apply: ${why}.`,
    'The source changed since the fix was proposed: ask "why did it fail?" for a fresh one, or change the file yourself and deploy again.',
  );
}

/**
 * Applies patches to a fetched copy of the source (`root` is the copy, `appPath` the app's folder
 * in it), never to anything outside it: each path is checked, no part of it may be a symlink, and
 * a patched file stays under the size bound. Returns a line per file, for the deployment's log.
 */
export async function applyFilePatches(root: string, appPath: string, patches: readonly FilePatchInput[]): Promise<string[]> {
  if (patches.length > PATCH_LIMITS.maxPatches) throw refused(`more than ${PATCH_LIMITS.maxPatches} files at once.`);
  const base = await realpath(root);
  const said: string[] = [];
  for (const patch of patches) {
    const parsed = parseFilePatch(patch);
    const inRepo = appPath && appPath !== '.' ? `${appPath.replace(/\/+$/, '')}/${parsed.file}` : parsed.file;
    checkPatchPath(inRepo);
    const target = join(base, inRepo);
    await refuseSymlinks(base, inRepo);
    const before = await readIfFile(target, parsed.file);
    const after = patchText(before, parsed);
    if (after === null) {
      said.push(`Patch of ${inRepo} is already in the source; left as it is`);
      continue;
    }
    if (Buffer.byteLength(after) > PATCH_LIMITS.maxFileBytes) throw refused(`\`${parsed.file}\` would be larger than 1 MB.`);
    await mkdir(dirname(target), { recursive: true });
    await refuseSymlinks(base, inRepo);
    await writeFile(target, after);
    const added = parsed.hunks.reduce((n, h) => n + h.lines.filter((l) => l.op === '+').length, 0);
    const removed = parsed.hunks.reduce((n, h) => n + h.lines.filter((l) => l.op === '-').length, 0);
    said.push(`Patched ${inRepo} (+${added} -${removed}) in this release's copy of the source`);
  }
  return said;
}

/** Every existing part of the path is a real folder (or, last, a regular file) inside `base`. */
async function refuseSymlinks(base: string, path: string): Promise<void> {
  let current = base;
  for (const part of path.split('/')) {
    current = join(current, part);
    const stat = await lstat(current).catch(() => null);
    if (!stat) return;
    if (stat.isSymbolicLink()) throw refused(`\`${relative(base, current).split(sep).join('/')}\` is a symbolic link; a patch never follows one.`);
    if (current !== join(base, path) && !stat.isDirectory()) throw refused(`\`${path}\` goes through a file.`);
  }
}

async function readIfFile(target: string, file: string): Promise<string | null> {
  const stat = await lstat(target).catch(() => null);
  if (!stat) return null;
  if (!stat.isFile()) throw refused(`\`${file}\` is not a regular file.`);
  if (stat.size > PATCH_LIMITS.maxFileBytes) throw refused(`\`${file}\` is larger than 1 MB.`);
  return readFile(target, 'utf8');
}
