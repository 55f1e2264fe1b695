import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogueEntry } from '../../contract/index.js';
import { call, useServer } from '../harness.js';

interface JsonSchema {
  type?: string;
  maxLength?: number;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  anyOf?: JsonSchema[];
  required?: string[];
}

/** A value of the wrong JSON type for the schema. */
function wrongType(schema: JsonSchema): unknown {
  // A union (done: a boolean or a time; permissions: names or a mask) takes no object.
  if (schema.anyOf) return { not: 'any of them' };
  switch (schema.type) {
    case 'string':
      return 12345;
    case 'number':
    case 'integer':
      return 'not a number';
    case 'boolean':
      return 'yes';
    case 'array':
      return { not: 'an array' };
    default:
      return Symbol.for('unreachable');
  }
}

/**
 * Values just outside the schema's limits. An empty text is one only for a required argument: for
 * an optional one it means "not given" (the Python server's default for text, server/tool-arguments.ts).
 */
function outOfRange(schema: JsonSchema, required: boolean): unknown[] {
  const values: unknown[] = [];
  if (schema.maxLength !== undefined) values.push('x'.repeat(schema.maxLength + 1));
  if (required && schema.minLength !== undefined && schema.minLength > 0) values.push('');
  if (schema.maximum !== undefined) values.push(schema.maximum + 1);
  if (schema.minimum !== undefined) values.push(schema.minimum - 1);
  if (schema.type === 'integer') values.push(1.5);
  if (schema.enum) values.push('not-one-of-them');
  if (schema.pattern || schema.format) values.push('not/valid!');
  if (schema.maxItems !== undefined) values.push(Array.from({ length: schema.maxItems + 1 }, () => 'read'));
  return values;
}

/** A valid-looking value, so that one bad argument is the only problem. */
function plausible(schema: JsonSchema): unknown {
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'number':
    case 'integer':
      return Math.max(1, schema.minimum ?? 1);
    case 'boolean':
      return false;
    case 'array':
      return [plausible(schema.items ?? {})];
    default:
      return null;
  }
}

describe('every tool refuses bad arguments before reaching Nextcloud', () => {
  const env = useServer();
  let tools: Tool[];

  beforeAll(async () => {
    tools = (await env.client.listTools()).tools;
  });

  it('declares limits on every string, number and array argument', () => {
    // Objects count as bounded when closed and every field is; unions when every branch is.
    const bounded = (schema: JsonSchema): boolean =>
      schema.enum !== undefined ||
      schema.anyOf?.every(bounded) === true ||
      (schema.type === 'string' &&
        (schema.maxLength !== undefined ||
          schema.format !== undefined ||
          /^\^.*\$$/.test(schema.pattern ?? ''))) ||
      ((schema.type === 'integer' || schema.type === 'number') &&
        schema.minimum !== undefined &&
        schema.maximum !== undefined) ||
      (schema.type === 'array' &&
        schema.maxItems !== undefined &&
        (!schema.items || bounded(schema.items))) ||
      (schema.type === 'object' &&
        (schema.additionalProperties === false ||
          (typeof schema.additionalProperties === 'object' &&
            bounded(schema.additionalProperties) &&
            schema.propertyNames !== undefined &&
            bounded({ type: 'string', ...schema.propertyNames }))) &&
        Object.values(schema.properties ?? {}).every(bounded)) ||
      schema.type === 'boolean';
    const unbounded: string[] = [];
    for (const tool of tools) {
      for (const [name, schema] of Object.entries((tool.inputSchema as JsonSchema).properties ?? {})) {
        if (!bounded(schema)) unbounded.push(`${tool.name}.${name}`);
      }
    }
    expect(unbounded).toEqual([]);
  });

  it('states annotations, an output schema and a usable description on every tool', () => {
    for (const tool of tools) {
      // The Python server's un-prefixed names (deck_*, talk_*) are kept, with an nc_ alias.
      const alias = catalogueEntry(tool.name)?.alias;
      expect(alias ?? tool.name).toMatch(/^nc_[a-z]+_[a-z_]+$/);
      if (alias) expect(alias).toBe(`nc_${tool.name}`);
      expect(tool.description?.length ?? 0).toBeGreaterThan(30);
      expect(tool.outputSchema).toBeDefined();
      expect(tool.annotations).toMatchObject({
        readOnlyHint: expect.any(Boolean),
        destructiveHint: expect.any(Boolean),
        idempotentHint: expect.any(Boolean),
      });
      if (tool.annotations?.readOnlyHint) expect(tool.annotations.destructiveHint).toBe(false);
    }
  });

  it('refuses wrong types, out-of-range values and missing required arguments', async () => {
    const before = env.target.standin?.log.length ?? 0;
    let checked = 0;
    for (const tool of tools) {
      const input = tool.inputSchema as JsonSchema;
      const valid = Object.fromEntries(
        (input.required ?? []).map((name) => [name, plausible(input.properties?.[name] ?? {})]),
      );
      for (const [name, schema] of Object.entries(input.properties ?? {})) {
        const required = input.required?.includes(name) ?? false;
        for (const bad of [wrongType(schema), ...outOfRange(schema, required)]) {
          const result = await call(env.client, tool.name, { ...valid, [name]: bad });
          expect(result.isError, `${tool.name}.${name} = ${JSON.stringify(bad)?.slice(0, 40)}`).toBe(true);
          expect(result.text, `${tool.name}.${name}`).toContain('Input validation error');
          checked++;
        }
      }
      const misspelt = await call(env.client, tool.name, { ...valid, no_such_argument: 1 });
      expect(misspelt.isError, `${tool.name} with an unknown argument`).toBe(true);
      checked++;
      for (const name of input.required ?? []) {
        const { [name]: _omitted, ...rest } = valid;
        const result = await call(env.client, tool.name, rest);
        expect(result.isError, `${tool.name} without ${name}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
    if (env.target.standin) expect(env.target.standin.log.length).toBe(before);
    // Some two thousand calls: a deadline for a busy machine, not a speed target.
  }, 90_000);
});
