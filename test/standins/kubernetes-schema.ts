import { evaluate } from '@marcbachmann/cel-js';

/**
 * What the API server does with a custom resource before storing it, for a structural schema:
 * prune unknown fields, apply defaults, validate (OpenAPI v3 keywords, formats, list types) and
 * evaluate the `x-kubernetes-validations` CEL rules (transition rules, with `oldSelf`, only on
 * updates). Messages follow the API server's wording so tests read what users will read.
 */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
}

/** One `details.causes` entry of a 422 Status. */
export interface Cause {
  readonly reason: string;
  readonly field: string;
  readonly message: string;
}

type Json = unknown;
const isObject = (value: Json): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const show = (value: Json) => (typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value));

/** Drops fields the schema does not know and fills in defaults, as the API server stores objects. */
export function pruneAndDefault(schema: Schema, value: Json): Json {
  if (schema['x-kubernetes-preserve-unknown-fields']) return value;
  if (Array.isArray(value))
    return schema.items ? value.map((item) => pruneAndDefault(schema.items as Schema, item)) : value;
  if (!isObject(value) || (!schema.properties && typeof schema.additionalProperties !== 'object'))
    return value;
  const result: Record<string, Json> = {};
  for (const [key, child] of Object.entries(value)) {
    const childSchema =
      schema.properties?.[key] ??
      (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (childSchema) result[key] = pruneAndDefault(childSchema, child);
  }
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (result[key] === undefined && child.default !== undefined)
      result[key] = pruneAndDefault(child, structuredClone(child.default));
  }
  return result;
}

function typeMatches(type: Schema['type'], value: Json): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

const typeName = (value: Json) =>
  Array.isArray(value)
    ? 'array'
    : value === null
      ? 'null'
      : Number.isInteger(value)
        ? 'integer'
        : typeof value;

/** The formats the API server checks (a subset of OpenAPI's; others are accepted). */
function formatValid(format: string, value: string): boolean {
  if (format === 'uri') {
    try {
      return Boolean(new URL(value).protocol);
    } catch {
      return false;
    }
  }
  if (format === 'date-time') return !Number.isNaN(Date.parse(value)) && /T/.test(value);
  return true;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Every violation of `schema` in `value`, with the field paths the API server reports. */
export function validate(schema: Schema, value: Json, path: string, oldValue?: Json): Cause[] {
  const causes: Cause[] = [];
  const invalid = (message: string) =>
    causes.push({
      reason: 'FieldValueInvalid',
      field: path,
      message: `Invalid value: ${show(value)}: ${message}`,
    });
  if (value === undefined || value === null) return causes;
  if (schema.type && !typeMatches(schema.type, value)) {
    invalid(`${path} in body must be of type ${schema.type}: "${typeName(value)}"`);
    return causes;
  }
  if (schema.enum && !schema.enum.some((candidate) => candidate === value)) {
    causes.push({
      reason: 'FieldValueNotSupported',
      field: path,
      message: `Unsupported value: ${show(value)}: supported values: ${schema.enum.map(show).join(', ')}`,
    });
  }
  if (typeof value === 'string') {
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      causes.push({
        reason: 'FieldValueTooLong',
        field: path,
        message: `Too long: may not be more than ${schema.maxLength} bytes`,
      });
    if (schema.minLength !== undefined && value.length < schema.minLength)
      invalid(`${path} in body should be at least ${schema.minLength} chars long`);
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value))
      invalid(`${path} in body should match '${schema.pattern}'`);
    if (schema.format && !formatValid(schema.format, value))
      invalid(`${path} in body must be of type ${schema.format}: ${show(value)}`);
  }
  if (typeof value === 'number') {
    if (schema.maximum !== undefined && value > schema.maximum)
      invalid(`${path} in body should be less than or equal to ${schema.maximum}`);
    if (schema.minimum !== undefined && value < schema.minimum)
      invalid(`${path} in body should be greater than or equal to ${schema.minimum}`);
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      causes.push({
        reason: 'FieldValueTooMany',
        field: path,
        message: `Too many: ${value.length}: must have at most ${schema.maxItems} items`,
      });
    if (schema.minItems !== undefined && value.length < schema.minItems)
      invalid(`${path} in body should have at least ${schema.minItems} items`);
    if (schema['x-kubernetes-list-type'] === 'set') {
      value.forEach((item, index) => {
        if (value.findIndex((other) => JSON.stringify(other) === JSON.stringify(item)) < index)
          causes.push({
            reason: 'FieldValueDuplicate',
            field: `${path}[${index}]`,
            message: `Duplicate value: ${show(item)}`,
          });
      });
    }
    const items = schema.items;
    if (items) {
      for (const [index, item] of value.entries()) causes.push(...validate(items, item, `${path}[${index}]`));
    }
  }
  if (isObject(value)) {
    for (const key of schema.required ?? []) {
      if (value[key] === undefined)
        causes.push({ reason: 'FieldValueRequired', field: join(path, key), message: 'Required value' });
    }
    for (const [key, child] of Object.entries(value)) {
      const childSchema =
        schema.properties?.[key] ??
        (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (childSchema)
        causes.push(
          ...validate(childSchema, child, join(path, key), isObject(oldValue) ? oldValue[key] : undefined),
        );
    }
  }
  // Rules run only where the value itself is valid, as the API server skips CEL on invalid subtrees.
  if (causes.length === 0) {
    for (const rule of schema['x-kubernetes-validations'] ?? []) {
      const transition = /\boldSelf\b/.test(rule.rule);
      if (transition && oldValue === undefined) continue;
      let holds: unknown;
      try {
        holds = evaluate(rule.rule, { self: value, ...(transition ? { oldSelf: oldValue } : {}) });
      } catch (error) {
        holds = false;
        causes.push({
          reason: 'FieldValueInvalid',
          field: path,
          message: `Invalid value: "object": rule evaluation failed: ${(error as Error).message}`,
        });
        continue;
      }
      if (holds !== true) {
        const shown = isObject(value) ? '"object"' : show(value);
        causes.push({
          reason: 'FieldValueInvalid',
          field: path,
          message: `Invalid value: ${shown}: ${rule.message ?? `failed rule: ${rule.rule}`}`,
        });
      }
    }
  }
  return causes;
}

/** The API server's message for a refused object: one cause inline, several in brackets. */
export function invalidMessage(kind: string, group: string, name: string, causes: readonly Cause[]): string {
  const parts = causes.map((cause) => `${cause.field}: ${cause.message}`);
  return `${kind}.${group} "${name}" is invalid: ${parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`}`;
}

/**
 * Admission of a custom resource: pruned and defaulted in place, then validated (with the stored
 * object for transition rules). Returns the causes when it must be refused.
 */
export function admit(
  schema: Schema,
  object: Record<string, unknown>,
  old?: Record<string, unknown>,
): Cause[] {
  const admitted = pruneAndDefault(schema, object) as Record<string, unknown>;
  for (const key of Object.keys(object)) if (!(key in admitted)) delete object[key];
  Object.assign(object, admitted);
  return validate(schema, object, '', old);
}
