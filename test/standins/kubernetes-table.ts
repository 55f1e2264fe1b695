import { JSONPath } from 'jsonpath-plus';
import type { KubeObject, ResourceType } from './kubernetes-http.js';

/** A CRD's `additionalPrinterColumns` entry. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
}

/** Whether a client asked for server-side printing (`kubectl get`): `Accept: …;as=Table;…`. */
export const wantsTable = (accept: string | undefined) => /;\s*as=Table/.test(accept ?? '');

/** How the API server shows a `date` column: the age, as kubectl prints it. */
function age(timestamp: unknown, now: number): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(String(timestamp))) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** Columns for built-in kinds: a few of those the API server prints; the age for the rest. */
const BUILT_IN_COLUMNS: Record<string, readonly PrinterColumn[]> = {
  Namespace: [{ name: 'Status', type: 'string', jsonPath: '.status.phase' }, AGE],
  Secret: [{ name: 'Type', type: 'string', jsonPath: '.type' }, AGE],
  Service: [
    { name: 'Type', type: 'string', jsonPath: '.spec.type' },
    { name: 'Cluster-IP', type: 'string', jsonPath: '.spec.clusterIP' },
    AGE,
  ],
  Deployment: [{ name: 'Available', type: 'integer', jsonPath: '.status.availableReplicas' }, AGE],
  CustomResourceDefinition: [{ name: 'Created At', type: 'string', jsonPath: '.metadata.creationTimestamp' }],
};

/**
 * A `meta.k8s.io/v1` Table, as the API server answers `kubectl get`: the name, then the CRD's
 * printer columns (JSONPath), or for built-in kinds a few of their columns and the age. Each row
 * carries the object's metadata, the whole object or nothing, as `includeObject` asks.
 */
export function toTable(
  objects: readonly KubeObject[],
  type: ResourceType,
  resourceVersion: string,
  includeObject: string | null,
) {
  const printed = type.printerColumns ?? BUILT_IN_COLUMNS[type.kind] ?? [AGE];
  const now = Date.now();
  const rowObject = (object: KubeObject) =>
    includeObject === 'None'
      ? undefined
      : includeObject === 'Object'
        ? object
        : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the object', priority: 0 },
      ...printed.map((column) => ({
        name: column.name,
        type: column.type === 'date' ? 'string' : column.type,
        format: '',
        description: column.description ?? '',
        priority: column.priority ?? 0,
      })),
    ],
    rows: objects.map((object) => ({
      cells: [
        object.metadata.name,
        ...printed.map((column) => {
          const [value] = JSONPath({ path: `$${column.jsonPath}`, json: object, wrap: true }) as unknown[];
          if (value === undefined) return null;
          return column.type === 'date' ? age(value, now) : value;
        }),
      ],
      ...(rowObject(object) ? { object: rowObject(object) } : {}),
    })),
  };
}
