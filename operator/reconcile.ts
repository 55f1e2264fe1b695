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
import { type AdmissionPolicy, refusedSpec } from './admission.js';
import { satisfies } from './compare.js';
import { type ConditionUpdate, nextConditions, sameConditions } from './conditions.js';
import {
  cleanupSecretNames,
  desiredObjects,
  FIELD_MANAGER,
  heldSecretNames,
  type OwnedObject,
  ownedName,
  storedClientOf,
} from './desired.js';
import { NameConflict, OperatorError, refusedObject, SecretNotFound, SecretNotMarked } from './errors.js';
import { type EventRecorder, type ResourceEvent, transitionEvents } from './events.js';
import { addFinalizer, hasFinalizer, needsFinalizer, removeFinalizer } from './finalizer.js';
import type { IdentityProvisioner, ProvisionedIdentity } from './identity.js';
import { apiReader, type ObjectReader } from './object-cache.js';
import { holdSecrets, releaseSecrets } from './secret-holds.js';
import type { ReconcileOutcome } from './work-queue.js';

export interface ReconcileDeps extends AdmissionPolicy {
  readonly objects: KubernetesObjectApi;
  readonly custom: CustomObjectsApi;
  readonly identity: IdentityProvisioner;
  readonly events: EventRecorder;
  readonly now: () => string;
  /** Where observed objects come from: the controller's informer caches; a GET each when absent. */
  readonly reader?: ObjectReader;
}

type Resource = NextcloudMcp & KubernetesObject;

/** What `apply` or `cleanup` leaves to write, and when to come back. */
interface Pass {
  /** The conditions it assessed and the client id; none once the cleanup is done. */
  readonly status?: { readonly updates: ConditionUpdate[]; readonly clientId: string | undefined };
  /** Events for what it did; transitions get theirs from the status (transitionEvents). */
  readonly events: readonly ResourceEvent[];
  readonly outcome: ReconcileOutcome;
  /** The IdP is clean (or told to be skipped): the finalizer may go. */
  readonly finalized?: boolean;
}

/**
 * One reconcile of one NextcloudMcp, as kube-rs's finalizer helper runs one: observe; while it
 * is deleted, `cleanup` and then release the finalizer; otherwise add the finalizer first (so
 * nothing created at the IdP can outlive the resource) and `apply`. The status is written once,
 * at the end, and only when it changed; a spec problem ends without requeue, a transient one
 * backs off.
 */
export async function reconcile(
  namespace: string,
  name: string,
  deps: ReconcileDeps,
): Promise<ReconcileOutcome> {
  const reader = deps.reader ?? apiReader(deps.objects);
  const observed = await reader.read<Resource>({
    apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
    kind: 'NextcloudMcp',
    metadata: { name, namespace },
  });
  if (!observed) return { requeue: 'no' };
  const secret = await observeOwned<V1Secret & KubernetesObject>(
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: ownedName(observed), namespace } },
    reader,
    deps,
  );
  // A Secret of that name the operator did not create is never taken for the tenant's client.
  const ownedSecret = controlledBy(observed, secret) ? secret : undefined;

  let resource = observed;
  let pass: Pass;
  if (resource.metadata.deletionTimestamp) {
    if (!hasFinalizer(resource)) return { requeue: 'no' };
    pass = await cleanup(resource, ownedSecret, deps);
  } else {
    if (needsFinalizer(resource) && !hasFinalizer(resource))
      resource = await addFinalizer(deps.custom, resource);
    const refused = refusedSpec(resource.spec, deps);
    pass = refused
      ? refusal(resource, 'WorkloadAvailable', refused)
      : secret && !ownedSecret
        ? nameConflict(resource, secret)
        : await apply(resource, ownedSecret, reader, deps);
  }
  // Before the status: a failed status write is retried, and the retry does not do this again.
  for (const event of pass.events) await record(resource, event, deps);
  if (pass.finalized) await removeFinalizer(deps.custom, resource);
  if (pass.status) {
    const conditions = await writeStatus(resource, pass.status.updates, pass.status.clientId, deps);
    for (const event of transitionEvents(resource.status?.conditions, conditions))
      await record(resource, event, deps);
  }
  return pass.outcome;
}

const record = (resource: NextcloudMcp, event: ResourceEvent, deps: ReconcileDeps) =>
  deps.events.record(resource, event.type, event.reason, event.message);

/** An error the user must see on the status (it has a condition reason); any other fails the reconcile. */
function reported(error: unknown): OperatorError & { readonly reason: string } {
  if (error instanceof OperatorError && error.reason) return error as OperatorError & { reason: string };
  throw error;
}

/** Whether `object` is one this resource controls (its controller owner reference). */
const controlledBy = (resource: NextcloudMcp, object: KubernetesObject | undefined) =>
  Boolean(
    object?.metadata?.ownerReferences?.some(
      (owner) => owner.controller && owner.uid === resource.metadata.uid,
    ),
  );

/**
 * An object of an owned name, as the cluster has it. The informers see only what carries the
 * operator's label, so a miss there is asked of the API: an unlabelled namesake must be seen too.
 */
async function observeOwned<T extends KubernetesObject>(
  ref: KubernetesObject,
  reader: ObjectReader,
  deps: ReconcileDeps,
): Promise<T | undefined> {
  return (
    (await reader.read<T>(ref)) ?? (deps.reader ? await apiReader(deps.objects).read<T>(ref) : undefined)
  );
}

/** A spec the operator refuses before it writes anything: the condition says why. */
function refusal(resource: NextcloudMcp, type: ConditionUpdate['type'], failure: OperatorError): Pass {
  return {
    status: {
      updates: [{ type, status: 'False', reason: failure.reason ?? failure.code, message: failure.message }],
      clientId: resource.status?.clientId,
    },
    events: [],
    outcome: requeueFor(failure),
  };
}

/**
 * Server-side apply with force would adopt a namesake (someone's Secret, another app's Service),
 * write into it and let it be garbage-collected with this resource: the operator leaves it alone.
 */
function nameConflict(resource: NextcloudMcp, object: KubernetesObject): Pass {
  return refusal(
    resource,
    'WorkloadAvailable',
    new NameConflict(
      `${object.kind} ${object.metadata?.name} already exists and this resource did not create it; the operator leaves it untouched. Remove or rename it, or rename this resource`,
    ),
  );
}

const requeueFor = (error: OperatorError): ReconcileOutcome =>
  error.transient ? { requeue: 'backoff' } : { requeue: 'no' };

/**
 * The live resource: identity → desired objects → apply only what differs (server-side apply,
 * one field manager) → the Secret holds the cleanup needs → optional objects no longer asked for.
 */
async function apply(
  resource: Resource,
  ownedSecret: V1Secret | undefined,
  reader: ObjectReader,
  deps: ReconcileDeps,
): Promise<Pass> {
  let identity: ProvisionedIdentity;
  try {
    identity = await deps.identity.ensure(resource, storedClientOf(ownedSecret));
  } catch (error) {
    const failure = reported(error);
    return {
      status: {
        updates: [
          { type: 'IdentityConfigured', status: 'False', reason: failure.reason, message: failure.message },
          {
            type: 'WorkloadAvailable',
            status: 'Unknown',
            reason: 'WaitingForIdentity',
            message: 'no client yet',
          },
        ],
        clientId: undefined,
      },
      events: [],
      outcome: requeueFor(failure),
    };
  }

  let deployment: V1Deployment | undefined;
  let secret: V1Secret | undefined;
  const desired = desiredObjects({ resource, operatorImage: deps.operatorImage, client: identity.client });
  const observed = await Promise.all(
    desired.map((object) =>
      object.kind === 'Secret' ? ownedSecret : observeOwned(object as KubernetesObject, reader, deps),
    ),
  );
  const taken = observed.find((current) => current && !controlledBy(resource, current));
  if (taken) return nameConflict(resource, taken);
  for (const [index, object] of desired.entries()) {
    const current = observed[index];
    let applied: KubernetesObject | undefined;
    try {
      applied = satisfies(object, current)
        ? current
        : await deps.objects.patch(
            object as KubernetesObject,
            undefined,
            undefined,
            FIELD_MANAGER,
            true,
            PatchStrategy.ServerSideApply,
          );
    } catch (error) {
      const refused = refusedObject(object, error);
      if (refused) return refusal(resource, 'WorkloadAvailable', refused);
      throw error;
    }
    if (object.kind === 'Deployment') deployment = applied as V1Deployment;
    if (object.kind === 'Secret') secret = applied as V1Secret;
  }
  await holdSecrets(deps.objects, resource, [secret, ...(identity.secrets ?? [])]);
  const needed = cleanupSecretNames(resource);
  await releaseSecrets(
    deps.objects,
    resource,
    heldSecretNames(ownedSecret).filter((name) => !needed.includes(name)),
  );
  await removeUnwanted(resource, desired, reader, deps);

  const wanted = resource.spec.replicas ?? 1;
  const available = deployment?.status?.availableReplicas ?? 0;
  const message = `${available}/${wanted} replicas available`;
  return {
    status: {
      updates: [
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
      clientId: identity.client.id,
    },
    events: identity.rotated
      ? [{ type: 'Normal', reason: 'ClientSecretRotated', message: `new secret for ${identity.client.id}` }]
      : [],
    outcome: available >= wanted ? { requeue: 'no' } : { requeue: 'after', ms: 10_000 },
  };
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
    if (stale && controlledBy(resource, stale)) await deps.objects.delete(stale);
  }
}

/**
 * Deletion: remove what the operator created at the IdP and let the held Secrets go. While the
 * IdP cannot be cleaned up the finalizer stays, and the status says why and names the
 * escape-hatch annotation, so a namespace never hangs without explanation.
 */
async function cleanup(
  resource: Resource,
  ownedSecret: V1Secret | undefined,
  deps: ReconcileDeps,
): Promise<Pass> {
  const events: ResourceEvent[] = [];
  if (resource.metadata.annotations?.[SKIP_IDP_CLEANUP_ANNOTATION] === 'true') {
    events.push({
      type: 'Warning',
      reason: 'IdentityCleanupSkipped',
      message: `${SKIP_IDP_CLEANUP_ANNOTATION}=true: what was created at the identity provider is left there`,
    });
  } else {
    try {
      await deps.identity.cleanup(resource, storedClientOf(ownedSecret));
    } catch (error) {
      const failure = reported(error);
      const unusable = failure instanceof SecretNotFound || failure instanceof SecretNotMarked;
      if (unusable && neverConfigured(resource, ownedSecret)) {
        // Without those credentials the operator never reached the IdP: nothing can be there to remove.
        events.push({
          type: 'Normal',
          reason: 'IdentityCleanupSkipped',
          message: `nothing to remove at the identity provider: it was never configured for this resource (${failure.message})`,
        });
        return finalize(resource, ownedSecret, deps, events);
      }
      const message = `cannot remove the client at the identity provider (${failure.message}); the finalizer stays until this succeeds. To delete without cleaning up, annotate the resource ${SKIP_IDP_CLEANUP_ANNOTATION}=true`;
      return {
        status: {
          updates: [{ type: 'IdentityConfigured', status: 'False', reason: 'CleanupFailed', message }],
          clientId: resource.status?.clientId,
        },
        events,
        outcome: requeueFor(failure),
      };
    }
  }
  return finalize(resource, ownedSecret, deps, events);
}

/** No client id was ever reported and none is stored: the IdP was never set up for the resource. */
const neverConfigured = (resource: Resource, ownedSecret: V1Secret | undefined) =>
  !resource.status?.clientId && !storedClientOf(ownedSecret);

/** The IdP is clean: the held Secrets go, then the finalizer. */
async function finalize(
  resource: Resource,
  ownedSecret: V1Secret | undefined,
  deps: ReconcileDeps,
  events: ResourceEvent[],
): Promise<Pass> {
  const held = heldSecretNames(ownedSecret);
  await releaseSecrets(deps.objects, resource, [...new Set([...cleanupSecretNames(resource), ...held])]);
  return { events, outcome: { requeue: 'no' }, finalized: true };
}

/** Writes the status unless it would change nothing; returns the conditions it came to. */
async function writeStatus(
  resource: NextcloudMcp,
  updates: ConditionUpdate[],
  clientId: string | undefined,
  deps: ReconcileDeps,
): Promise<Condition[]> {
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
  if (unchanged) return conditions;
  // A stale resourceVersion answers 409; the reconcile then fails and is retried with backoff.
  await deps.custom.replaceNamespacedCustomObjectStatus({
    group: CRD_GROUP,
    version: CRD_VERSION,
    plural: CRD_PLURAL,
    namespace: resource.metadata.namespace,
    name: resource.metadata.name,
    body: { ...resource, status },
  });
  return conditions;
}
