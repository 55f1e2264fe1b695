import { ruleErrors } from './kubernetes-cel.js';
import { type Failure, failure, invalidity, type KubeObject, type ResourceType } from './kubernetes-http.js';
import { crdSchemas, nameCauses } from './kubernetes-kinds.js';
import { admit, type Cause } from './kubernetes-schema.js';

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
    causes.push(...crdSchemas(object).flatMap(({ path, schema }) => ruleErrors(schema, path)));
  if (causes.length) return { refused: invalidity(type, object.metadata.name, causes) };
  return { warnings: validation === 'Ignore' ? [] : unknown };
}
