import { z } from 'zod';

type JsonSchema = { [key: string]: unknown };

/**
 * A tool's zod object as the JSON Schema `tools/list` advertises, in the 2020-12 dialect that
 * MCP (2025-11-25 and 2026-07-28) assumes when a schema names none. No `$schema` is emitted:
 * a draft-07 validator of a 2025 client that checks schemas against their declared meta-schema
 * refuses a 2020-12 URI it does not know, while the keywords used here mean the same in both.
 */
export function toolJsonSchema(schema: z.ZodObject, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io });
  return portable(rest) as JsonSchema;
}

/**
 * Rewrites zod's compact `type: ["string", "null"]` (its rendering of nullable) as
 * `anyOf: [{type: "string"}, {type: "null"}]`: the same set of values, but type arrays are
 * what strict validators and some model providers flag as unportable.
 */
function portable(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (SCHEMA_MAPS.has(key)) out[key] = mapValues(value, portable);
    else if (VALUE_KEYWORDS.has(key)) out[key] = value;
    else out[key] = Array.isArray(value) ? value.map(portable) : portable(value);
  }
  const { type, anyOf, ...others } = out;
  if (!Array.isArray(type)) return out;
  const byType = { anyOf: type.map((member) => ({ type: member })) };
  // Cannot happen today (zod compacts only an anyOf of bare types), but kept sound all the same.
  return anyOf === undefined ? { ...byType, ...others } : { ...others, allOf: [byType, { anyOf }] };
}

/** Keywords whose value maps names to schemas: a property called `enum` is still a schema. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'dependentSchemas']);
/** Keywords that hold instance values, not schemas. */
const VALUE_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'required']);

function mapValues(map: unknown, f: (value: unknown) => unknown): unknown {
  if (!map || typeof map !== 'object') return map;
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key, f(value)]));
}
