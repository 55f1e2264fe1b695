import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../contract/index.js';
import { connectClient, useServer } from '../harness.js';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

type Schema = Record<string, unknown>;

const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'dependentSchemas'];
const SCHEMA_LISTS = ['anyOf', 'allOf', 'oneOf', 'prefixItems'];
const SCHEMA_VALUES = [
  'items',
  'additionalProperties',
  'propertyNames',
  'not',
  'contains',
  'if',
  'then',
  'else',
  'unevaluatedProperties',
  'unevaluatedItems',
];

/** Every subschema of `schema` with its JSON path, the root included; not `enum` or `default` values. */
function* subschemas(schema: unknown, path: string): Generator<[string, unknown]> {
  yield [path, schema];
  if (!schema || typeof schema !== 'object') return;
  const node = schema as Schema;
  for (const key of SCHEMA_MAPS) {
    for (const [name, sub] of Object.entries((node[key] ?? {}) as Schema)) {
      yield* subschemas(sub, `${path}.${key}.${name}`);
    }
  }
  for (const key of SCHEMA_LISTS) {
    for (const [index, sub] of ((node[key] ?? []) as unknown[]).entries()) {
      yield* subschemas(sub, `${path}.${key}[${index}]`);
    }
  }
  for (const key of SCHEMA_VALUES) if (key in node) yield* subschemas(node[key], `${path}.${key}`);
}

/** Each schema of every tool, named `tool.inputSchema` or `tool.outputSchema`. */
function schemasOf(tools: readonly Tool[]): [string, Schema][] {
  return tools.flatMap((tool) => [
    [`${tool.name}.inputSchema`, tool.inputSchema as Schema] as [string, Schema],
    ...(tool.outputSchema
      ? [[`${tool.name}.outputSchema`, tool.outputSchema as Schema] as [string, Schema]]
      : []),
  ]);
}

/** What a strict validator of `ajv`'s dialect says about each schema: the names of those it refuses. */
function refused(ajv: Ajv | Ajv2020, schemas: [string, Schema][]): string[] {
  addFormats(ajv);
  return schemas.flatMap(([name, schema]) => {
    try {
      ajv.compile(schema);
      return [];
    } catch (error) {
      return [`${name}: ${(error as Error).message}`];
    }
  });
}

describe('tools/list', () => {
  const env = useServer();
  let tools: Tool[];

  beforeAll(async () => {
    tools = (await env.client.listTools()).tools;
  });

  it('lists in catalogue order, the same on every listing', async () => {
    const catalogued = CATALOGUE.map((entry) => entry.name);
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(catalogued.filter((name) => names.includes(name)));
    expect(names.length).toBeGreaterThan(100);
    const again = (await env.client.listTools()).tools.map((tool) => tool.name);
    expect(again).toEqual(names);
  });

  it('lists a narrower token’s tools in the same order, a subsequence of the full listing', async () => {
    // Write scopes before read ones, so a listing built by scope would come out in another order.
    const scopes = ['deck:write', 'notes:write', 'files:read', 'notes:read', 'deck:read'];
    const narrow = await connectClient(env.server.url, env.target, scopes);
    try {
      const names = (await narrow.listTools()).tools.map((tool) => tool.name);
      expect(names.length).toBeGreaterThan(10);
      expect(names).toEqual(tools.map((tool) => tool.name).filter((name) => names.includes(name)));
      expect(names).toEqual(
        CATALOGUE.filter((entry) => entry.scopes.every((scope) => scopes.includes(scope))).map(
          (entry) => entry.name,
        ),
      );
    } finally {
      await narrow.close();
    }
  });

  it('gives every tool an object input schema, with properties even when it takes no arguments', () => {
    for (const tool of tools) {
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.inputSchema.properties, tool.name).toBeTypeOf('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
    }
  });

  it('uses no type arrays and no empty schemas anywhere, which strict clients flag as unportable', () => {
    const problems = schemasOf(tools).flatMap(([name, schema]) =>
      [...subschemas(schema, name)].flatMap(([path, sub]) => {
        // `true` and `false` are schemas too (additionalProperties: false); anything else is not.
        if (typeof sub === 'boolean') return [];
        if (!sub || typeof sub !== 'object') return [`${path}: ${JSON.stringify(sub)}`];
        const node = sub as Schema;
        if (Array.isArray(node.type)) return [`${path}: type ${JSON.stringify(node.type)}`];
        if (Object.keys(node).length === 0) return [`${path}: {}`];
        return [];
      }),
    );
    expect(problems).toEqual([]);
  });

  it('declares no dialect, so both JSON Schema 2020-12 (the MCP default) and draft-07 clients read it', () => {
    expect(
      schemasOf(tools)
        .filter(([, schema]) => '$schema' in schema)
        .map(([name]) => name),
    ).toEqual([]);
  });

  it('passes strict JSON Schema 2020-12 validation', () => {
    expect(refused(new Ajv2020({ strict: true, allErrors: true }), schemasOf(tools))).toEqual([]);
  });

  it('passes strict draft-07 validation too, as 2025 clients with a default Ajv use', () => {
    expect(refused(new Ajv({ strict: true, allErrors: true }), schemasOf(tools))).toEqual([]);
  });
});
