import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/**
 * A zod schema as an OpenAPI 3.1 schema (JSON Schema 2020-12): what a client sends (`input`:
 * before defaults and coercion) or gets (`output`). Shared definitions move to
 * `components.schemas`, where `$ref`s inside the document can reach them.
 */
export function toOpenApiSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, JsonSchema>): JsonSchema {
  const converted = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  const { $defs, ...rest } = converted;
  // The document's dialect is JSON Schema 2020-12 already.
  delete rest.$schema;
  const defs = ($defs ?? {}) as Record<string, JsonSchema>;
  const names = new Map<string, string>();
  for (const name of Object.keys(defs)) names.set(name, uniqueName(`${name}${io === 'input' ? 'Input' : ''}`, components, defs[name]!));
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => {
        if (key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')) {
          return [key, `#/components/schemas/${names.get(inner.slice('#/$defs/'.length)) ?? inner}`];
        }
        return [key, rewrite(inner)];
      }),
    );
  };
  for (const [name, def] of Object.entries(defs)) components[names.get(name)!] = rewrite(def) as JsonSchema;
  return rewrite(rest) as JsonSchema;
}

/** The definition's own name, unless another definition already has it. */
function uniqueName(name: string, components: Record<string, JsonSchema>, definition: JsonSchema): string {
  const same = (other: JsonSchema | undefined) => other !== undefined && JSON.stringify(other) === JSON.stringify(definition);
  let candidate = name;
  for (let n = 2; components[candidate] !== undefined && !same(components[candidate]); n++) candidate = `${name}${n}`;
  return candidate;
}
