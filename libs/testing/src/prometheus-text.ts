/** One sample of Prometheus' text format: `name{label="value",…} 1.5`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  samples: Sample[];
  /** `# TYPE` of each family. */
  types: Map<string, string>;
  /** The value of the one sample with this name whose labels include these; undefined when none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** The sum over every sample with this name whose labels include these (0 when none). */
  sum(name: string, labels?: Record<string, string>): number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Parses a scrape as a Prometheus server would, refusing what it would refuse (a line that is no
 * sample, a value that is no number), so a test that reads it also checks the format.
 */
export function parsePrometheusText(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) types.set(type[1]!, type[2]!);
      else if (!line.startsWith('# HELP ')) throw new Error(`Not a Prometheus comment: ${line}`);
      continue;
    }
    const match = LINE.exec(line);
    if (!match) throw new Error(`Not a Prometheus sample: ${line}`);
    // Prometheus reads values as Go's ParseFloat does: NaN and Inf in any case (prom-client writes `Nan`).
    const text = match[3]!.toLowerCase();
    const value = text === 'nan' ? NaN : text === '+inf' || text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text);
    if (Number.isNaN(value) && text !== 'nan') throw new Error(`Not a number in: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1]!, labels, value });
  }
  const matching = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return {
    samples,
    types,
    value: (name, labels) => {
      const found = matching(name, labels);
      if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
      return found[0]?.value;
    },
    sum: (name, labels) => matching(name, labels).reduce((total, s) => total + s.value, 0),
  };
}
