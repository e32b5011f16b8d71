/**
 * TOML (Cargo.toml, pyproject.toml), parsed by smol-toml on first use. A file that does not parse
 * reads as empty: the detectors then fall back to what the other files say.
 */
export async function parseToml(text: string): Promise<Record<string, unknown>> {
  const { parse } = await import('smol-toml');
  try {
    return parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** A nested table by its dotted path (`tool.poetry.scripts`), or undefined. */
export function tableAt(doc: Record<string, unknown>, path: string): Record<string, unknown> | undefined {
  let node: unknown = doc;
  for (const key of path.split('.')) {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>) : undefined;
}
