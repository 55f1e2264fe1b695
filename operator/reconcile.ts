import {
  ApiException,
  type CustomObjectsApi,
  type KubernetesObject,
  type KubernetesObjectApi,
  PatchStrategy,
  type V1Deployment,
  type V1Secret,
} from '@kubernetes/client-node';
import type { Condition, NextcloudMcp } from '../contract/index.js';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION } from '../contract/index.js';
import { satisfies, secretSatisfies } from './compare.js';
import { type ConditionUpdate, nextConditions, sameConditions } from './conditions.js';
import { desiredObjects, type OwnedObject } from './desired.js';
import type { ReconcileOutcome } from './work-queue.js';

export const FIELD_MANAGER = 'nextcloud-mcp-operator';
export const FINALIZER = `${CRD_GROUP}/identity-cleanup`;

/** The proxy client a resource's identity mode yields, or why it could not. */
export type IdentityResult =
  | {
      readonly ok: true;
      readonly client: { readonly id: string; readonly secret: string };
      readonly managed: boolean;
    }
  | { readonly ok: false; readonly transient: boolean; readonly reason: string; readonly message: string };

/** Identity automation per mode (Keycloak, RFC 7591, or a client the user brings). */
export interface IdentityProvisioner {
  ensure(resource: NextcloudMcp): Promise<IdentityResult>;
  /** Removes what `ensure` created at the IdP; throws when the IdP cannot be reached. */
  cleanup(resource: NextcloudMcp): Promise<void>;
}

export interface ReconcileDeps {
  readonly objects: KubernetesObjectApi;
  readonly custom: CustomObjectsApi;
  readonly identity: IdentityProvisioner;
  readonly operatorImage: string;
  readonly now: () => string;
}

const header = (resource: NextcloudMcp) => ({
  apiVersion: resource.apiVersion,
  kind: resource.kind,
  metadata: { name: resource.metadata.name, namespace: resource.metadata.namespace },
});

async function readOrUndefined<T extends KubernetesObject>(
  objects: KubernetesObjectApi,
  spec: KubernetesObject,
) {
  try {
    return await objects.read<T>(spec as T & { metadata: { name: string; namespace: string } });
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
}

/**
 * One reconcile of one NextcloudMcp, top to bottom: observe → finalize if deleting → identity →
 * desired objects → apply only what differs (server-side apply, one field manager) → status,
 * written only when it changed. A spec problem ends without requeue; a transient one backs off.
 */
export async function reconcile(
  namespace: string,
  name: string,
  deps: ReconcileDeps,
): Promise<ReconcileOutcome> {
  const { objects } = deps;
  const observed = await readOrUndefined<NextcloudMcp & KubernetesObject>(objects, {
    apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
    kind: 'NextcloudMcp',
    metadata: { name, namespace },
  });
  if (!observed) return { requeue: 'no' };
  let resource: NextcloudMcp & KubernetesObject = observed;

  if (resource.metadata.deletionTimestamp) {
    if (!resource.metadata.finalizers?.includes(FINALIZER)) return { requeue: 'no' };
    await deps.identity.cleanup(resource);
    const finalizers = resource.metadata.finalizers.filter((finalizer) => finalizer !== FINALIZER);
    await objects.patch(
      { ...header(resource), metadata: { ...header(resource).metadata, finalizers } },
      undefined,
      undefined,
      FIELD_MANAGER,
      undefined,
      PatchStrategy.MergePatch,
    );
    return { requeue: 'no' };
  }

  const identity = await deps.identity.ensure(resource);
  const updates: ConditionUpdate[] = [];
  if (!identity.ok) {
    updates.push({
      type: 'IdentityConfigured',
      status: 'False',
      reason: identity.reason,
      message: identity.message,
    });
    updates.push({
      type: 'WorkloadAvailable',
      status: 'Unknown',
      reason: 'WaitingForIdentity',
      message: 'no client yet',
    });
    await writeStatus(resource, updates, undefined, deps);
    return identity.transient ? { requeue: 'backoff' } : { requeue: 'no' };
  }
  if (identity.managed && !resource.metadata.finalizers?.includes(FINALIZER)) {
    const withFinalizer: KubernetesObject = {
      ...header(resource),
      metadata: {
        ...header(resource).metadata,
        finalizers: [...(resource.metadata.finalizers ?? []), FINALIZER],
      },
    };
    resource = (await objects.patch(
      withFinalizer,
      undefined,
      undefined,
      FIELD_MANAGER,
      undefined,
      PatchStrategy.MergePatch,
    )) as NextcloudMcp & KubernetesObject;
  }
  updates.push({
    type: 'IdentityConfigured',
    status: 'True',
    reason: 'ClientReady',
    message: `client ${identity.client.id}`,
  });

  let deployment: V1Deployment | undefined;
  for (const object of desiredObjects({
    resource,
    operatorImage: deps.operatorImage,
    client: identity.client,
  })) {
    const observed = await readOrUndefined<OwnedObject & KubernetesObject>(
      objects,
      object as KubernetesObject,
    );
    const same =
      object.kind === 'Secret'
        ? secretSatisfies(object as V1Secret, observed as V1Secret)
        : satisfies(object, observed);
    const current = same
      ? observed
      : await objects.patch(
          object as KubernetesObject,
          undefined,
          undefined,
          FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        );
    if (object.kind === 'Deployment') deployment = current as V1Deployment;
  }
  const wanted = resource.spec.replicas ?? 1;
  const available = deployment?.status?.availableReplicas ?? 0;
  updates.push(
    available >= wanted
      ? {
          type: 'WorkloadAvailable',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: `${available}/${wanted} replicas available`,
        }
      : {
          type: 'WorkloadAvailable',
          status: 'False',
          reason: 'ReplicasUnavailable',
          message: `${available}/${wanted} replicas available`,
        },
  );
  await writeStatus(resource, updates, identity.client.id, deps);
  return available >= wanted ? { requeue: 'no' } : { requeue: 'after', ms: 10_000 };
}

async function writeStatus(
  resource: NextcloudMcp,
  updates: ConditionUpdate[],
  clientId: string | undefined,
  deps: ReconcileDeps,
): Promise<void> {
  const conditions: Condition[] = nextConditions(
    resource.status?.conditions,
    updates,
    resource.metadata.generation ?? 0,
    deps.now(),
  );
  const status = {
    observedGeneration: resource.metadata.generation ?? 0,
    endpoint: `${resource.spec.publicUrl.replace(/\/+$/, '')}/mcp`,
    ...(clientId ? { clientId } : {}),
    conditions,
  };
  const unchanged =
    resource.status?.observedGeneration === status.observedGeneration &&
    resource.status?.endpoint === status.endpoint &&
    resource.status?.clientId === status.clientId &&
    sameConditions(resource.status?.conditions, conditions);
  if (unchanged) return;
  // A stale resourceVersion answers 409; the reconcile then fails and is retried with backoff.
  await deps.custom.replaceNamespacedCustomObjectStatus({
    group: CRD_GROUP,
    version: CRD_VERSION,
    plural: CRD_PLURAL,
    namespace: resource.metadata.namespace,
    name: resource.metadata.name,
    body: { ...resource, status },
  });
}
