import { type ParseResult, parse } from '@marcbachmann/cel-js';
import type { Cause, Schema } from './kubernetes-schema.js';

/**
 * `x-kubernetes-validations` as the API server evaluates them: a rule holds or its message (or
 * messageExpression) becomes a cause at the rule's field (plus fieldPath), with the rule's reason;
 * a rule naming `oldSelf` is a transition rule and runs only on updates where an old value exists.
 */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  fieldPath?: string;
}

const compiled = new Map<string, ParseResult>();

function compile(expression: string): ParseResult {
  let program = compiled.get(expression);
  if (!program) {
    program = parse(expression);
    compiled.set(expression, program);
  }
  return program;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON as the API server hands it to CEL: integer fields are CEL ints (bigint here). */
export function toCel(schema: Schema | undefined, value: unknown): unknown {
  if (schema?.type === 'integer' && Number.isInteger(value)) return BigInt(value as number);
  if (Array.isArray(value)) return value.map((item) => toCel(schema?.items, item));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [
        key,
        toCel(
          schema?.properties?.[key] ??
            (typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined),
          child,
        ),
      ]),
    );
  }
  return value;
}

const isTransition = (rule: ValidationRule) => /\boldSelf\b/.test(rule.rule);

/** What the API server prints as the "value" of a failed rule: the schema type, not the data. */
const shownType = (schema: Schema) => JSON.stringify(schema.type ?? 'object');

function causeFor(rule: ValidationRule, field: string, shown: string, detail: string): Cause {
  const reason = rule.reason ?? 'FieldValueInvalid';
  const prefix: Record<string, string> = {
    FieldValueInvalid: `Invalid value: ${shown}: `,
    FieldValueForbidden: 'Forbidden: ',
    FieldValueRequired: 'Required value: ',
    FieldValueDuplicate: `Duplicate value: ${shown}: `,
  };
  return { reason, field, message: `${prefix[reason] ?? prefix.FieldValueInvalid}${detail}` };
}

/** The causes from `schema`'s rules for `value` (at `path`), given the stored value if updating. */
function checkRules(schema: Schema, value: unknown, path: string, oldValue: unknown): Cause[] {
  const causes: Cause[] = [];
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    const transition = isTransition(rule);
    if (transition && oldValue === undefined) continue;
    const context = {
      self: toCel(schema, value),
      ...(transition ? { oldSelf: toCel(schema, oldValue) } : {}),
    };
    const field = rule.fieldPath ? `${path}${rule.fieldPath}` : path;
    let holds: unknown;
    try {
      holds = compile(rule.rule)(context);
    } catch (error) {
      // A rule that cannot be evaluated refuses the object, naming the error.
      causes.push(
        causeFor({ ...rule, reason: 'FieldValueInvalid' }, field, shownType(schema), describe(error)),
      );
      continue;
    }
    if (holds === true) continue;
    let message = rule.message ?? `failed rule: ${rule.rule.trim()}`;
    if (rule.messageExpression) {
      try {
        const computed = compile(rule.messageExpression)(context);
        if (typeof computed === 'string' && computed.trim()) message = computed;
      } catch {
        // The API server falls back to the static message when messageExpression fails.
      }
    }
    causes.push(causeFor(rule, field, shownType(schema), message));
  }
  return causes;
}

/**
 * Every rule in the schema tree, evaluated where its field has a value. Old values follow the new
 * ones through objects, and through lists only where items correlate (list-type map, by keys).
 */
export function ruleCauses(schema: Schema, value: unknown, path: string, oldValue: unknown): Cause[] {
  if (value === undefined || value === null) return [];
  const causes = checkRules(schema, value, path, oldValue);
  if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      // The root's metadata belongs to the API server, not to the schema.
      if (path === '' && key === 'metadata') continue;
      const known =
        schema.properties?.[key] ??
        (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      const old = isObject(oldValue) ? oldValue[key] : undefined;
      if (known) causes.push(...ruleCauses(known, child, path ? `${path}.${key}` : key, old));
    }
  }
  if (Array.isArray(value) && schema.items) {
    const keys =
      schema['x-kubernetes-list-type'] === 'map' ? (schema['x-kubernetes-list-map-keys'] ?? []) : undefined;
    const identity = (item: unknown) =>
      JSON.stringify(keys?.map((key) => (isObject(item) ? item[key] : undefined)));
    value.forEach((item, index) => {
      const old =
        keys && Array.isArray(oldValue)
          ? oldValue.find((candidate) => identity(candidate) === identity(item))
          : undefined;
      causes.push(...ruleCauses(schema.items as Schema, item, `${path}[${index}]`, old));
    });
  }
  return causes;
}

const describe = (error: unknown) =>
  error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);

/**
 * Rules of one schema node that do not compile, as the API server refuses such a CRD: the field
 * is the rule's place in the schema, the way the API server spells it.
 */
export function ruleErrors(schema: Schema, path: string): Cause[] {
  const causes: Cause[] = [];
  (schema['x-kubernetes-validations'] ?? []).forEach((rule, index) => {
    for (const [key, expression] of [
      ['rule', rule.rule],
      ['messageExpression', rule.messageExpression],
    ] as const) {
      if (expression === undefined) continue;
      try {
        compile(expression);
      } catch (error) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: `${path}.x-kubernetes-validations[${index}].${key}`,
          message: `Invalid value: ${JSON.stringify(expression)}: compilation failed: ${describe(error)}`,
        });
      }
    }
  });
  return causes;
}
