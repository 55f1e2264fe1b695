import type { CustomObjectsApi } from '@kubernetes/client-node';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../contract/index.js';
import { FIELD_MANAGER } from './desired.js';
import { fromKubernetes } from './errors.js';

export const FINALIZER = `${CRD_GROUP}/identity-cleanup`;

/**
 * Whether the spec's identity mode creates something at the IdP (Keycloak, RFC 7591), which the
 * finalizer then removes; a client the user brings needs none. Decided before any IdP call, so
 * the finalizer is in place before there is anything to leak.
 */
export const needsFinalizer = (resource: NextcloudMcp) => !resource.spec.identity.clientSecretRef;

export const hasFinalizer = (resource: NextcloudMcp) =>
  resource.metadata.finalizers?.includes(FINALIZER) ?? false;

/**
 * A JSON patch of the finalizers, each op guarded by a `test` of what was read: when another
 * controller changed the list since, the patch fails as a conflict and the reconcile is retried
 * with the list as it is now, so no one's finalizer is overwritten (a merge patch of the whole
 * list would drop one added in between).
 */
async function patchFinalizers<T extends NextcloudMcp>(custom: CustomObjectsApi, resource: T, ops: object[]) {
  try {
    return (await custom.patchNamespacedCustomObject({
      group: CRD_GROUP,
      version: CRD_VERSION,
      plural: CRD_PLURAL,
      namespace: resource.metadata.namespace,
      name: resource.metadata.name,
      body: ops,
      fieldManager: FIELD_MANAGER,
    })) as T;
  } catch (error) {
    throw fromKubernetes(error, { tested: true });
  }
}

/** Adds the finalizer: the list as read is tested (absent tests as null), then appended to. */
export function addFinalizer<T extends NextcloudMcp>(custom: CustomObjectsApi, resource: T): Promise<T> {
  const current = resource.metadata.finalizers;
  return patchFinalizers(
    custom,
    resource,
    current?.length
      ? [
          { op: 'test', path: '/metadata/finalizers', value: current },
          { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER },
        ]
      : [
          { op: 'test', path: '/metadata/finalizers', value: null },
          { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
        ],
  );
}

/** Removes the finalizer at the index it was read at, testing that it is still there. */
export async function removeFinalizer(custom: CustomObjectsApi, resource: NextcloudMcp): Promise<void> {
  const index = resource.metadata.finalizers?.indexOf(FINALIZER) ?? -1;
  if (index < 0) return;
  const path = `/metadata/finalizers/${index}`;
  await patchFinalizers(custom, resource, [
    { op: 'test', path, value: FINALIZER },
    { op: 'remove', path },
  ]);
}
