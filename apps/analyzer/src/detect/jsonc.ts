/**
 * JSON with comments and trailing commas (tsconfig.json, deno.jsonc, package.json5), parsed by
 * jsonc-parser. Loaded on first use: most apps have no such file, and `servergem analyze` should
 * not pay for the parser.
 */
export async function parseJsonc<T>(text: string): Promise<T> {
  const { parse } = await import('jsonc-parser');
  const value: unknown = parse(text, [], { allowTrailingComma: true, disallowComments: false });
  return (value && typeof value === 'object' ? value : {}) as T;
}
