/**
 * Values typed into a chat message as `NAME=VALUE` (or "set NAME to VALUE"). The gateway takes them
 * out and seals them before the message goes anywhere; what travels and what is stored is the
 * message with `••••` in their place. Pure text functions: the gateway and the agent read values
 * the same way.
 */
export const SET_TO = /\b[Ss]et\s+(?:the\s+)?(?:env(?:ironment)?\s+)?(?:var(?:iable)?\s+)?([A-Z_][A-Z0-9_]*)\s+to\s+("([^"]*)"|'([^']*)'|([^\s"',;]+))/g;
export const ASSIGNMENT = /(?<![\w$])([A-Z_][A-Z0-9_]*)=("([^"]*)"|'([^']*)'|([^\s"',;]*))/g;

/** What a masked value reads as. */
export const MASK = '••••';

/** The message with the values of `NAME=VALUE` pairs hidden: what is stored and what a model may read. */
export function maskValues(message: string): string {
  return message.replace(SET_TO, (_m, name: string) => `set ${name} to ${MASK}`).replace(ASSIGNMENT, (_m, name: string) => `${name}=${MASK}`);
}

/** The values a message carries, by name (the last one of a name wins), and the message with them masked. Empty values stay (they ask for one). */
export function takeValues(message: string): { masked: string; values: Record<string, string> } {
  const values: Record<string, string> = {};
  const masked = message
    .replace(SET_TO, (_m, name: string, _v, double?: string, single?: string, bare?: string) => {
      values[name] = double ?? single ?? bare ?? '';
      return `set ${name} to ${MASK}`;
    })
    .replace(ASSIGNMENT, (m, name: string, _v, double?: string, single?: string, bare?: string) => {
      const value = double ?? single ?? bare ?? '';
      // `NAME=` asks for a value: nothing to hide, and the words around it still read the same.
      if (value === '') return m;
      values[name] = value;
      return `${name}=${MASK}`;
    });
  return { masked, values };
}

// What maskValues and takeValues write, read back: built from MASK so the two sides cannot drift apart.
const maskPattern = MASK.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const MASKED_SET_TO = new RegExp(String.raw`\bset ([A-Z_][A-Z0-9_]*) to ${maskPattern}`, 'g');
const MASKED_ASSIGNMENT = new RegExp(String.raw`(?<![\w$])([A-Z_][A-Z0-9_]*)=${maskPattern}`, 'g');

/**
 * The message as it was typed, for the agent to plan from in memory: each masked value put back
 * (quoted when it must be). A name with no value given stays masked.
 */
export function restoreValues(masked: string, values: Readonly<Record<string, string>>): string {
  const quote = (value: string) => (/^[^\s"',;]+$/.test(value) ? value : value.includes('"') ? `'${value}'` : `"${value}"`);
  return masked
    .replace(MASKED_SET_TO, (m, name: string) => (Object.hasOwn(values, name) ? `set ${name} to ${quote(values[name]!)}` : m))
    .replace(MASKED_ASSIGNMENT, (m, name: string) => (Object.hasOwn(values, name) ? `${name}=${quote(values[name]!)}` : m));
}
