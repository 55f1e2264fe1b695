import type { KubeObject, ResourceType } from './kubernetes-http.js';
import type { Cause, Schema } from './kubernetes-schema.js';
import type { PrinterColumn } from './kubernetes-table.js';

/** The built-in kinds the operator (and kubectl, for namespaces) touches. */
export const BUILT_IN: readonly ResourceType[] = [
  ['', 'Namespace', 'namespaces', false, true, ['ns']],
  ['', 'Secret', 'secrets', true, false],
  ['', 'ServiceAccount', 'serviceaccounts', true, false, ['sa']],
  ['', 'Service', 'services', true, true, ['svc']],
  ['', 'Event', 'events', true, false, ['ev']],
  ['apps', 'Deployment', 'deployments', true, true, ['deploy']],
  ['policy', 'PodDisruptionBudget', 'poddisruptionbudgets', true, true, ['pdb']],
  ['networking.k8s.io', 'Ingress', 'ingresses', true, true, ['ing']],
  ['networking.k8s.io', 'NetworkPolicy', 'networkpolicies', true, false, ['netpol']],
  ['coordination.k8s.io', 'Lease', 'leases', true, false],
  [
    'apiextensions.k8s.io',
    'CustomResourceDefinition',
    'customresourcedefinitions',
    false,
    true,
    ['crd', 'crds'],
  ],
].map(
  ([group, kind, plural, namespaced, statusSubresource, shortNames]): ResourceType => ({
    group: group as string,
    version: 'v1',
    kind: kind as string,
    plural: plural as string,
    namespaced: namespaced as boolean,
    statusSubresource: statusSubresource as boolean,
    ...(shortNames ? { shortNames: shortNames as string[] } : {}),
  }),
);

interface CrdSpec {
  group: string;
  names: { kind: string; plural: string; singular?: string; shortNames?: string[]; categories?: string[] };
  scope: string;
  versions: {
    name: string;
    served: boolean;
    storage?: boolean;
    subresources?: { status?: object };
    schema?: { openAPIV3Schema?: Schema };
    additionalPrinterColumns?: PrinterColumn[];
  }[];
}

/**
 * The kind a CRD serves. The stand-in serves one version per kind: the storage version (or the
 * first served one), which is all the CRDs here have.
 */
export function crdKind(crd: KubeObject): ResourceType | undefined {
  const spec = crd.spec as CrdSpec;
  const served = spec.versions.filter((candidate) => candidate.served);
  const version = served.find((candidate) => candidate.storage) ?? served[0];
  if (!version) return undefined;
  return {
    group: spec.group,
    version: version.name,
    kind: spec.names.kind,
    plural: spec.names.plural,
    namespaced: spec.scope === 'Namespaced',
    statusSubresource: Boolean(version.subresources?.status),
    crd: crd.metadata.name,
    ...(version.schema?.openAPIV3Schema ? { schema: version.schema.openAPIV3Schema } : {}),
    ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}),
    ...(spec.names.categories ? { categories: spec.names.categories } : {}),
    ...(version.additionalPrinterColumns ? { printerColumns: version.additionalPrinterColumns } : {}),
  };
}

/** The schemas of every version of a CRD, with the field path the API server reports them at. */
export function crdSchemas(crd: KubeObject): { path: string; schema: Schema }[] {
  const spec = crd.spec as Partial<CrdSpec> | undefined;
  return (spec?.versions ?? []).flatMap((version, index) =>
    version.schema?.openAPIV3Schema
      ? [{ path: `spec.versions[${index}].schema.openAPIV3Schema`, schema: version.schema.openAPIV3Schema }]
      : [],
  );
}

/** The API server's Established condition, which `kubectl wait --for=condition=Established` reads. */
export function establish(crd: KubeObject, now: string): void {
  crd.status = {
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        reason: 'NoConflicts',
        message: 'no conflicts found',
        lastTransitionTime: now,
      },
      {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
        lastTransitionTime: now,
      },
    ],
    acceptedNames: (crd.spec as CrdSpec).names,
    storedVersions: (crd.spec as CrdSpec).versions.filter((v) => v.storage).map((v) => v.name),
  };
}

/** What the API server does to every stored object of a kind: Secrets keep stringData as data. */
export function normalize(type: ResourceType, object: KubeObject): void {
  if (type.kind !== 'Secret' || !object.stringData) return;
  const data = { ...(object.data as Record<string, string> | undefined) };
  for (const [key, value] of Object.entries(object.stringData as Record<string, string>)) {
    data[key] = Buffer.from(value).toString('base64');
  }
  object.data = data;
  delete object.stringData;
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Custom resources' names must be DNS subdomains, as the API server checks on create. */
export function nameCauses(name: string | undefined): Cause[] {
  if (!name)
    return [
      {
        reason: 'FieldValueRequired',
        field: 'metadata.name',
        message: 'Required value: name or generateName is required',
      },
    ];
  if (name.length <= 253 && SUBDOMAIN.test(name)) return [];
  return [
    {
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${SUBDOMAIN.source.slice(1, -1)}')`,
    },
  ];
}
