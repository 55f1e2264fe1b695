import {
  type CustomObjectsApi,
  type KubernetesObject,
  type KubernetesObjectApi,
  PatchStrategy,
  type V1Deployment,
  type V1Secret,
} from '@kubernetes/client-node';
import type { Condition, NextcloudMcp } from '../contract/index.js';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, SKIP_IDP_CLEANUP_ANNOTATION } from '../contract/index.js';
import { satisfies } from './compare.js';
import { type ConditionUpdate, nextConditions, sameConditions } from './conditions.js';
import {
  cleanupSecretNames,
  desiredObjects,
  FIELD_MANAGER,
  heldSecretNames,
  type OwnedObject,
  ownedName,
  type StoredClient,
  storedClientOf,
} from './desired.js';
import { OperatorError } from './errors.js';
import type { EventRecorder } from './events.js';
import type { IdentityProvisioner } from './identity.js';
import { apiReader, type ObjectReader } from './object-cache.js';
import { holdSecrets, releaseSecrets } from './secret-holds.js';
import type { ReconcileOutcome } from './work-queue.js';

export const FINALIZER = `${CRD_GROUP}/identity-cleanup`;

export interface ReconcileDeps {
  readonly objects: KubernetesObjectApi;
  readonly custom: CustomObjectsApi;
  readonly identity: IdentityProvisioner;
  readonly events: EventRecorder;
  readonly operatorImage: string;
  readonly now: () => string;
  /** Where observed objects come from: the controller's informer caches; a GET each when absent. */
  readonly reader?: ObjectReader;
}

const header = (resource: NextcloudMcp) => ({
  apiVersion: resource.apiVersion,
  kind: resource.kind,
  metadata: { name: resource.metadata.name, namespace: resource.metadata.namespace },
});

const mergePatch = (objects: KubernetesObjectApi, body: KubernetesObject) =>
  objects.patch(body, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch);

const withFinalizers = (resource: NextcloudMcp, finalizers: readonly string[]): KubernetesObject => ({
  ...header(resource),
  metadata: { ...header(resource).metadata, finalizers: [...finalizers] },
});

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
  const reader = deps.reader ?? apiReader(objects);
  const observed = await reader.read<NextcloudMcp & KubernetesObject>({
    apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
    kind: 'NextcloudMcp',
    metadata: { name, namespace },
  });
  if (!observed) return { requeue: 'no' };
  let resource: NextcloudMcp & KubernetesObject = observed;
  const ownedSecret = await reader.read<V1Secret & KubernetesObject>({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: ownedName(resource), namespace },
  });
  const stored = storedClientOf(ownedSecret);

  if (resource.metadata.deletionTimestamp)
    return finalize(resource, stored, heldSecretNames(ownedSecret), deps);

  const identity = await deps.identity.ensure(resource, stored).catch(reported);
  if (identity instanceof OperatorError) {
    await writeStatus(
      resource,
      [
        {
          type: 'IdentityConfigured',
          status: 'False',
          reason: identity.reason ?? '',
          message: identity.message,
        },
        {
          type: 'WorkloadAvailable',
          status: 'Unknown',
          reason: 'WaitingForIdentity',
          message: 'no client yet',
        },
      ],
      undefined,
      deps,
    );
    return identity.transient ? { requeue: 'backoff' } : { requeue: 'no' };
  }
  if (!resource.spec.identity.clientSecretRef && !resource.metadata.finalizers?.includes(FINALIZER)) {
    resource = (await mergePatch(
      objects,
      withFinalizers(resource, [...(resource.metadata.finalizers ?? []), FINALIZER]),
    )) as NextcloudMcp & KubernetesObject;
  }
  if (identity.rotated) {
    await deps.events.record(
      resource,
      'Normal',
      'ClientSecretRotated',
      `new secret for ${identity.client.id}`,
    );
  }

  let deployment: V1Deployment | undefined;
  let secret: V1Secret | undefined;
  const desired = desiredObjects({ resource, operatorImage: deps.operatorImage, client: identity.client });
  for (const object of desired) {
    const current =
      object.kind === 'Secret'
        ? ownedSecret
        : await reader.read<OwnedObject & KubernetesObject>(object as KubernetesObject);
    const applied = satisfies(object, current)
      ? current
      : await objects.patch(
          object as KubernetesObject,
          undefined,
          undefined,
          FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        );
    if (object.kind === 'Deployment') deployment = applied as V1Deployment;
    if (object.kind === 'Secret') secret = applied as V1Secret;
  }
  await holdSecrets(objects, resource, [secret, ...(identity.secrets ?? [])]);
  const needed = cleanupSecretNames(resource);
  await releaseSecrets(
    objects,
    resource,
    heldSecretNames(ownedSecret).filter((name) => !needed.includes(name)),
  );
  await removeUnwanted(resource, desired, reader, deps);
  const wanted = resource.spec.replicas ?? 1;
  const available = deployment?.status?.availableReplicas ?? 0;
  const message = `${available}/${wanted} replicas available`;
  await writeStatus(
    resource,
    [
      {
        type: 'IdentityConfigured',
        status: 'True',
        reason: 'ClientReady',
        message: `client ${identity.client.id}`,
      },
      available >= wanted
        ? { type: 'WorkloadAvailable', status: 'True', reason: 'MinimumReplicasAvailable', message }
        : { type: 'WorkloadAvailable', status: 'False', reason: 'ReplicasUnavailable', message },
    ],
    identity.client.id,
    deps,
  );
  return available >= wanted ? { requeue: 'no' } : { requeue: 'after', ms: 10_000 };
}

/** An error the user must see on the status (it has a condition reason); any other fails the reconcile. */
function reported(error: unknown): OperatorError {
  if (error instanceof OperatorError && error.reason) return error;
  throw error;
}

/** Kinds the operator creates only for some specs (a PDB past one replica, an Ingress when asked). */
const OPTIONAL_KINDS = [
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
] as const;

/**
 * Deletes an optional object the spec no longer asks for (replicas back to one, ingress removed),
 * but only one this resource controls: nothing the operator did not create is touched.
 */
async function removeUnwanted(
  resource: NextcloudMcp,
  desired: readonly OwnedObject[],
  reader: ObjectReader,
  deps: ReconcileDeps,
) {
  for (const optional of OPTIONAL_KINDS) {
    if (desired.some((object) => object.kind === optional.kind)) continue;
    const stale = await reader.read<KubernetesObject>({
      ...optional,
      metadata: { name: ownedName(resource), namespace: resource.metadata.namespace },
    });
    const owned = stale?.metadata?.ownerReferences?.some(
      (owner) => owner.controller && owner.uid === resource.metadata.uid,
    );
    if (stale && owned) await deps.objects.delete(stale);
  }
}

/**
 * Deletion: remove what the operator created at the IdP, then release the finalizer. While the
 * IdP cannot be cleaned up the finalizer stays, and the status and an Event say why and name the
 * escape-hatch annotation, so a namespace never hangs without explanation.
 */
async function finalize(
  resource: NextcloudMcp,
  stored: StoredClient | undefined,
  held: readonly string[],
  deps: ReconcileDeps,
): Promise<ReconcileOutcome> {
  if (!resource.metadata.finalizers?.includes(FINALIZER)) return { requeue: 'no' };
  if (resource.metadata.annotations?.[SKIP_IDP_CLEANUP_ANNOTATION] === 'true') {
    await deps.events.record(
      resource,
      'Warning',
      'IdentityCleanupSkipped',
      `${SKIP_IDP_CLEANUP_ANNOTATION}=true: what was created at the identity provider is left there`,
    );
  } else {
    const cleaned = await deps.identity.cleanup(resource, stored).catch(reported);
    if (cleaned instanceof OperatorError) {
      const message = `cannot remove the client at the identity provider (${cleaned.message}); the finalizer stays until this succeeds. To delete without cleaning up, annotate the resource ${SKIP_IDP_CLEANUP_ANNOTATION}=true`;
      const before = resource.status?.conditions?.find((c) => c.type === 'IdentityConfigured');
      if (before?.reason !== 'CleanupFailed' || before.message !== message) {
        await deps.events.record(resource, 'Warning', 'CleanupFailed', message);
      }
      await writeStatus(
        resource,
        [{ type: 'IdentityConfigured', status: 'False', reason: 'CleanupFailed', message }],
        resource.status?.clientId,
        deps,
      );
      return cleaned.transient ? { requeue: 'backoff' } : { requeue: 'no' };
    }
  }
  await releaseSecrets(deps.objects, resource, [...new Set([...cleanupSecretNames(resource), ...held])]);
  const finalizers = resource.metadata.finalizers.filter((finalizer) => finalizer !== FINALIZER);
  await mergePatch(deps.objects, withFinalizers(resource, finalizers));
  return { requeue: 'no' };
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
  const before = resource.status?.conditions?.find((condition) => condition.type === 'Ready');
  const ready = conditions.find((condition) => condition.type === 'Ready');
  // A resource just created waits for its pods: that is progress, not a warning worth an Event.
  const justCreated = !before && ready?.reason === 'ReplicasUnavailable';
  if (ready && ready.status !== before?.status && !resource.metadata.deletionTimestamp && !justCreated) {
    await deps.events.record(
      resource,
      ready.status === 'True' ? 'Normal' : 'Warning',
      ready.reason,
      ready.message,
    );
  }
}
