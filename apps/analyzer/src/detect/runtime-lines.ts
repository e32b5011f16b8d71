/**
 * Release lines of the runtimes whose manifests give a range (`engines.node ">=14"`,
 * `requires-python ">=3.8"`), so the base image is the newest line still supported that satisfies
 * it, not the lowest one, long out of support. Dates are the projects' published schedules; a line
 * counts from `from` (Node's LTS start, Python's release) until `eol`.
 */
interface Line {
  line: string;
  from: string;
  eol: string;
}

const NODE_LINES: readonly Line[] = [
  { line: '26', from: '2026-10-28', eol: '2029-04-30' },
  { line: '24', from: '2025-10-28', eol: '2028-04-30' },
  { line: '22', from: '2024-10-29', eol: '2027-04-30' },
  { line: '20', from: '2023-10-24', eol: '2026-04-30' },
  { line: '18', from: '2022-10-25', eol: '2025-04-30' },
  { line: '16', from: '2021-10-26', eol: '2023-09-11' },
  { line: '14', from: '2020-10-27', eol: '2023-04-30' },
];

const PYTHON_LINES: readonly Line[] = [
  { line: '3.15', from: '2026-10-01', eol: '2031-10-31' },
  { line: '3.14', from: '2025-10-07', eol: '2030-10-31' },
  { line: '3.13', from: '2024-10-07', eol: '2029-10-31' },
  { line: '3.12', from: '2023-10-02', eol: '2028-10-31' },
  { line: '3.11', from: '2022-10-24', eol: '2027-10-31' },
  { line: '3.10', from: '2021-10-04', eol: '2026-10-31' },
  { line: '3.9', from: '2020-10-05', eol: '2025-10-31' },
  { line: '3.8', from: '2019-10-14', eol: '2024-10-07' },
  { line: '3.7', from: '2018-06-27', eol: '2023-06-27' },
];

export interface ChosenLine {
  line: string;
  /** False when no supported line satisfies the range and an out-of-support one was taken. */
  supported: boolean;
}

function pick(lines: readonly Line[], satisfies: (line: string) => boolean, now: Date): ChosenLine | null {
  const today = now.toISOString().slice(0, 10);
  const matching = lines.filter((l) => satisfies(l.line));
  const live = matching.find((l) => l.from <= today && today < l.eol);
  if (live) return { line: live.line, supported: true };
  const released = matching.find((l) => l.from <= today);
  return released ? { line: released.line, supported: false } : null;
}

/** The Node.js line for an `engines.node` range (npm's semver), or null when it is no range semver reads. */
export async function nodeLine(range: string, now = new Date()): Promise<ChosenLine | null> {
  const { default: satisfies } = await import('semver/functions/satisfies.js');
  const { default: validRange } = await import('semver/ranges/valid.js');
  if (!validRange(range)) return null;
  // A line satisfies when a late release of it does (`>=20.19` is met by 20.x, not by 20.0.0).
  return pick(NODE_LINES, (line) => satisfies(`${line}.99.0`, range) || satisfies(`${line}.0.0`, range), now);
}

/**
 * The Python line for a version specifier: PEP 440 (`>=3.8`, `~=3.11`, `>=3.9,<3.13`), or
 * Poetry's `^3.9` / `~3.9`, which are rewritten to PEP 440 first.
 */
export async function pythonLine(spec: string, now = new Date()): Promise<ChosenLine | null> {
  const pep440 = await import('@renovatebot/pep440');
  const range = spec
    .split(/\s*\|\|\s*/)[0]!
    .replace(/\^\s*(\d+)(?:\.(\d+))?(?:\.\d+)?/g, (_m, major: string, minor?: string) => `>=${major}.${minor ?? 0},<${Number(major) + 1}.0`)
    .replace(/~(?!=)\s*(\d+)\.(\d+)(?:\.\d+)?/g, (_m, major: string, minor: string) => `>=${major}.${minor},<${major}.${Number(minor) + 1}`)
    .replace(/\s+/g, '');
  if (!pep440.validRange(range)) return null;
  return pick(PYTHON_LINES, (line) => pep440.satisfies(`${line}.99`, range) || pep440.satisfies(`${line}.0`, range), now);
}

/** Whether a version string is a range (`>=3.8`, `^20`) rather than a pinned version (`3.12`, `20.11.1`). */
export function isRange(version: string): boolean {
  return /[<>=^~*|,x]/.test(version.replace(/^v/, ''));
}
