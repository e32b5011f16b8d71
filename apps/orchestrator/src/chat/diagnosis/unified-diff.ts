/**
 * A unified diff of one file as `git apply` reads it: a new file when `before` is null, otherwise
 * one hunk replacing the whole (short) file. Only for files whose whole content is known.
 */
export function unifiedDiff(file: string, before: readonly string[] | null, after: readonly string[]): string {
  const header =
    before === null
      ? [`diff --git a/${file} b/${file}`, 'new file mode 100644', '--- /dev/null', `+++ b/${file}`]
      : [`diff --git a/${file} b/${file}`, `--- a/${file}`, `+++ b/${file}`];
  const oldRange = before === null ? '-0,0' : `-1${before.length === 1 ? '' : `,${before.length}`}`;
  const newRange = `+1${after.length === 1 ? '' : `,${after.length}`}`;
  return [...header, `@@ ${oldRange} ${newRange} @@`, ...(before ?? []).map((l) => `-${l}`), ...after.map((l) => `+${l}`), ''].join('\n');
}
