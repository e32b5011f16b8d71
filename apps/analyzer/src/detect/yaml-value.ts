import type { LineCounter, Node } from 'yaml';

/**
 * A scalar at a key path in a YAML file (`server.port`), parsed by the yaml library. Spring,
 * Quarkus and Micronaut accept the path nested (`server:` / `port:`) or dotted (`server.port:`),
 * or a mix, so every split of the path is tried. Multi-document files are searched in order.
 */
export async function yamlValue(text: string, keys: readonly string[]): Promise<{ value: string; line: number } | null> {
  const { parseAllDocuments, LineCounter: Counter, isMap, isScalar } = await import('yaml');
  const lineCounter: LineCounter = new Counter();
  const find = (node: Node | null | undefined, path: readonly string[]): { value: string; offset: number } | null => {
    if (path.length === 0) return isScalar(node) && node.value !== null ? { value: String(node.value), offset: node.range?.[0] ?? 0 } : null;
    if (!isMap(node)) return null;
    for (const item of node.items) {
      const key = isScalar(item.key) ? String(item.key.value) : null;
      if (!key) continue;
      const parts = key.split('.');
      if (parts.every((part, i) => path[i] === part)) {
        const found = find(item.value as Node, path.slice(parts.length));
        if (found) return found;
      }
    }
    return null;
  };
  let docs;
  try {
    docs = parseAllDocuments(text, { lineCounter });
  } catch {
    return null;
  }
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const found = find(doc.contents, keys);
    if (found) return { value: found.value, line: lineCounter.linePos(found.offset).line };
  }
  return null;
}
