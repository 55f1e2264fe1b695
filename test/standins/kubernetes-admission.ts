import { ruleErrors } from './kubernetes-cel.js';
import { type Failure, failure, invalidity, type KubeObject, type ResourceType } from './kubernetes-http.js';
import { crdSchemas, nameCauses } from './kubernetes-kinds.js';
import { admit, type Cause, type Schema } from './kubernetes-schema.js';

/**
 * What the API server checks before storing an object: a custom resource's schema (pruned in
 * place, defaulted, validated), a new custom resource's name, that a CRD's CEL rules compile. The
 * object is refused with a Status, or admitted with the warnings to send: the fields pruned, under
 * the default `fieldValidation=Warn` (`Strict` refuses them, `Ignore` says nothing).
 */
export function admission(
  type: ResourceType,
  object: KubeObject,
  old: KubeObject | undefined,
  params: URLSearchParams,
): { refused: Failure } | { warnings: string[] } {
  const checked = type.schema ? admit(type.schema, object, old) : { causes: [], unknown: [] };
  const validation = params.get('fieldValidation') ?? 'Warn';
  const unknown = checked.unknown.map((field) => `unknown field ${JSON.stringify(field)}`);
  if (unknown.length && validation === 'Strict') {
    const message = `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${unknown.join(', ')}`;
    return { refused: failure(400, 'BadRequest', message) };
  }
  const causes: Cause[] = [...(type.crd && !old ? nameCauses(object.metadata.name) : []), ...checked.causes];
  if (type.kind === 'CustomResourceDefinition')
    causes.push(...crdSchemas(object).flatMap(({ path, schema }) => schemaCauses(schema, path)));
  if (causes.length) return { refused: invalidity(type, object.metadata.name, causes) };
  return { warnings: validation === 'Ignore' ? [] : unknown };
}

/**
 * What the API server refuses in a CRD's schema, node by node: CEL rules that do not compile, and
 * uniqueItems (forbidden there, for its quadratic cost; list types say it instead).
 */
function schemaCauses(schema: Schema, path: string): Cause[] {
  const causes = ruleErrors(schema, path);
  if (schema.uniqueItems)
    causes.push({
      reason: 'FieldValueForbidden',
      field: `${path}.uniqueItems`,
      message: 'Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
    });
  const children: [string, Schema | boolean | undefined][] = [
    ...Object.entries(schema.properties ?? {}).map(([key, child]): [string, Schema] => [
      `properties[${key}]`,
      child,
    ]),
    ['items', schema.items],
    ['additionalProperties', schema.additionalProperties],
  ];
  for (const [key, child] of children)
    if (typeof child === 'object') causes.push(...schemaCauses(child, `${path}.${key}`));
  return causes;
}
