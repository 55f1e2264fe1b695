import { ruleCauses, type ValidationRule } from './kubernetes-cel.js';
import { formatValid, integerInRange } from './kubernetes-formats.js';

/**
 * What the API server does with a custom resource before storing it, for a structural schema:
 * prune unknown fields, apply defaults, validate (OpenAPI v3 keywords, formats, list types) and
 * evaluate the `x-kubernetes-validations` CEL rules. Messages follow the API server's wording so
 * tests read what users will read.
 */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  /** Refused in CRDs (see the admission of CRDs); here so their schemas can be read. */
  uniqueItems?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: ValidationRule[];
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
const show = (value: Json) => JSON.stringify(value);
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
const childSchema = (schema: Schema, key: string) =>
  schema.properties?.[key] ??
  (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);

/** The fields every object has, which a CRD's schema never prunes at its root. */
const ROOT_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Drops the fields the schema does not know (their paths go to `unknown`) and fills in defaults,
 * as the API server does on every write and on every read.
 */
export function pruneAndDefault(schema: Schema, value: Json, path = '', unknown: string[] = []): Json {
  if (Array.isArray(value))
    return schema.items
      ? value.map((item, index) =>
          pruneAndDefault(schema.items as Schema, item, `${path}[${index}]`, unknown),
        )
      : value;
  if (!isObject(value)) return value;
  // Structural schemas keep only declared fields, unless told to preserve the rest.
  const preserve =
    schema['x-kubernetes-preserve-unknown-fields'] === true || schema.additionalProperties === true;
  const result: Record<string, Json> = {};
  for (const [key, child] of Object.entries(value)) {
    const known = childSchema(schema, key);
    if (path === '' && ROOT_FIELDS.has(key)) result[key] = child;
    else if (known) result[key] = pruneAndDefault(known, child, join(path, key), unknown);
    else if (preserve) result[key] = child;
    else unknown.push(join(path, key));
  }
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (result[key] === undefined && child.default !== undefined)
      result[key] = pruneAndDefault(child, structuredClone(child.default), join(path, key), []);
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

/** Every violation of `schema` in `value`, with the field paths the API server reports. */
export function validate(schema: Schema, value: Json, path: string): Cause[] {
  const causes: Cause[] = [];
  const add = (reason: string, message: string, field = path) => causes.push({ reason, field, message });
  const invalid = (message: string) => add('FieldValueInvalid', `Invalid value: ${show(value)}: ${message}`);
  if (value === undefined || (value === null && schema.nullable)) return causes;
  if (value === null || (schema.type && !typeMatches(schema.type, value))) {
    // The API server shows the type it found as the value.
    const found = show(typeName(value));
    add(
      'FieldValueTypeInvalid',
      `Invalid value: ${found}: ${path} in body must be of type ${schema.type}: ${found}`,
    );
    return causes;
  }
  if (schema.enum && !schema.enum.some((candidate) => show(candidate) === show(value)))
    add(
      'FieldValueNotSupported',
      `Unsupported value: ${show(value)}: supported values: ${schema.enum.map(show).join(', ')}`,
    );
  if (typeof value === 'string') {
    // Lengths count characters (runes), as the API server does.
    const length = [...value].length;
    if (schema.maxLength !== undefined && length > schema.maxLength)
      add('FieldValueTooLong', `Too long: may not be more than ${schema.maxLength} bytes`);
    if (schema.minLength !== undefined && length < schema.minLength)
      invalid(`${path} in body should be at least ${schema.minLength} chars long`);
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value))
      invalid(`${path} in body should match '${schema.pattern}'`);
    if (schema.format && !formatValid(schema.format, value))
      invalid(`${path} in body must be of type ${schema.format}: ${show(value)}`);
  }
  if (typeof value === 'number') {
    const below = schema.exclusiveMaximum ? 'less than' : 'less than or equal to';
    const above = schema.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
    if (
      schema.maximum !== undefined &&
      (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)
    )
      invalid(`${path} in body should be ${below} ${schema.maximum}`);
    if (
      schema.minimum !== undefined &&
      (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)
    )
      invalid(`${path} in body should be ${above} ${schema.minimum}`);
    if (schema.multipleOf !== undefined && !Number.isInteger(value / schema.multipleOf))
      invalid(`${path} in body should be a multiple of ${schema.multipleOf}`);
    if (!integerInRange(schema.format, value)) invalid(`${path} in body must be of type ${schema.format}`);
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      add('FieldValueTooMany', `Too many: ${value.length}: must have at most ${schema.maxItems} items`);
    if (schema.minItems !== undefined && value.length < schema.minItems)
      invalid(`${path} in body should have at least ${schema.minItems} items`);
    causes.push(...listTypeCauses(schema, value, path));
    const items = schema.items;
    if (items)
      for (const [index, item] of value.entries()) causes.push(...validate(items, item, `${path}[${index}]`));
  }
  if (isObject(value)) {
    const count = Object.keys(value).length;
    if (schema.maxProperties !== undefined && count > schema.maxProperties)
      add('FieldValueTooMany', `Too many: ${count}: must have at most ${schema.maxProperties} items`);
    if (schema.minProperties !== undefined && count < schema.minProperties)
      invalid(`${path} in body should have at least ${schema.minProperties} properties`);
    for (const key of schema.required ?? [])
      if (value[key] === undefined) add('FieldValueRequired', 'Required value', join(path, key));
    for (const [key, child] of Object.entries(value)) {
      // The root's metadata is the API server's own business (name, labels, …), never the schema's.
      if (path === '' && key === 'metadata') continue;
      const known = childSchema(schema, key);
      if (known) causes.push(...validate(known, child, join(path, key)));
    }
  }
  return causes;
}

/** Sets and maps (x-kubernetes-list-type) refuse duplicates. */
function listTypeCauses(schema: Schema, list: Json[], path: string): Cause[] {
  const listType = schema['x-kubernetes-list-type'];
  const keys = schema['x-kubernetes-list-map-keys'] ?? [];
  if (listType !== 'set' && listType !== 'map') return [];
  const identity = (item: Json) =>
    listType === 'map' && isObject(item) ? show(keys.map((key) => item[key])) : show(item);
  const causes: Cause[] = [];
  list.forEach((item, index) => {
    if (list.findIndex((other) => identity(other) === identity(item)) === index) return;
    const shown =
      listType === 'map' && isObject(item)
        ? `map[string]interface {}{${keys.map((key) => `"${key}":${show(item[key])}`).join(', ')}}`
        : show(item);
    causes.push({
      reason: 'FieldValueDuplicate',
      field: `${path}[${index}]`,
      message: `Duplicate value: ${shown}`,
    });
  });
  return causes;
}

const BLOCKING = new Set([
  'FieldValueTypeInvalid',
  'FieldValueRequired',
  'FieldValueNotSupported',
  'FieldValueTooLong',
  'FieldValueTooMany',
]);
const RULES_NOT_CHECKED: Cause = {
  reason: 'FieldValueInvalid',
  field: '<nil>',
  message:
    'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
};

/** The API server's message for a refused object: one cause inline, several in brackets. */
export function invalidMessage(kind: string, group: string, name: string, causes: readonly Cause[]): string {
  const parts = causes.map((cause) => `${cause.field}: ${cause.message}`);
  return `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`}`;
}

/**
 * Admission of a custom resource: pruned and defaulted in place, then validated (with the stored
 * object for transition rules). Returns the causes to refuse it for, and the fields it pruned.
 */
export function admit(
  schema: Schema,
  object: Record<string, unknown>,
  old?: Record<string, unknown>,
): { causes: Cause[]; unknown: string[] } {
  const unknown: string[] = [];
  const admitted = pruneAndDefault(schema, object, '', unknown) as Record<string, unknown>;
  for (const key of Object.keys(object)) if (!(key in admitted)) delete object[key];
  Object.assign(object, admitted);
  const causes = validate(schema, object, '');
  // CEL rules run only on an object without blocking errors (wrong types, missing or unsupported
  // values, too long or too many), as in the API server, which then says the rules were skipped.
  if (causes.some((cause) => BLOCKING.has(cause.reason))) causes.push(RULES_NOT_CHECKED);
  else causes.push(...ruleCauses(schema, object, '', old));
  return { causes, unknown };
}

/** An object as a read returns it: defaults of the current schema filled in, unknown fields dropped. */
export function asRead<T>(schema: Schema | undefined, object: T): T {
  return schema ? (pruneAndDefault(schema, structuredClone(object)) as T) : object;
}
