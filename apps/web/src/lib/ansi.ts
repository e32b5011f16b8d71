/** A build's colour codes and cursor moves, taken out so a log line reads as text in the browser. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.includes('\x1b') ? text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g, '') : text;
}
