import { type KubernetesObjectApi, PatchStrategy, type V1Secret } from '@kubernetes/client-node';
import { CRD_GROUP, type NextcloudMcp } from '../contract/index.js';
import { cleanupSecretNames, FIELD_MANAGER } from './desired.js';
import { fromKubernetes, KubernetesNotFound } from './errors.js';

/**
 * While a tenant's identity is managed, the Secrets its IdP cleanup reads (Keycloak's admin
 * credentials; the owned Secret holding the registration access token) carry a finalizer of the
 * tenant's own. Deleting a whole namespace deletes them together with the tenant; held, they stay
 * readable until the cleanup has run, so the namespace neither hangs nor leaks the IdP's client.
 */
export const holdFinalizer = (resource: NextcloudMcp) => `${resource.metadata.name}.${CRD_GROUP}/cleanup`;

const header = (name: string, namespace: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace },
});

async function read(objects: KubernetesObjectApi, name: string, namespace: string) {
  try {
    return (await objects.read(header(name, namespace))) as V1Secret;
  } catch (error) {
    const failure = fromKubernetes(error);
    if (failure instanceof KubernetesNotFound) return undefined;
    throw failure;
  }
}

/** Sets the finalizers, guarded by the resourceVersion read (a concurrent change answers 409). */
const setFinalizers = (objects: KubernetesObjectApi, secret: V1Secret, finalizers: string[]) =>
  objects.patch(
    {
      ...header(secret.metadata?.name ?? '', secret.metadata?.namespace ?? ''),
      metadata: {
        name: secret.metadata?.name ?? '',
        namespace: secret.metadata?.namespace ?? '',
        resourceVersion: secret.metadata?.resourceVersion ?? '',
        finalizers,
      },
    },
    undefined,
    undefined,
    FIELD_MANAGER,
    undefined,
    PatchStrategy.MergePatch,
  );

/** Holds each needed Secret that exists; `known` are Secrets already read this reconcile. */
export async function holdSecrets(
  objects: KubernetesObjectApi,
  resource: NextcloudMcp,
  known: readonly (V1Secret | undefined)[],
): Promise<void> {
  const finalizer = holdFinalizer(resource);
  const namespace = resource.metadata.namespace;
  for (const name of cleanupSecretNames(resource)) {
    const secret =
      known.find((candidate) => candidate?.metadata?.name === name) ?? (await read(objects, name, namespace));
    // A Secret already being deleted takes no new finalizer (the apiserver refuses one).
    if (!secret || secret.metadata?.deletionTimestamp) continue;
    const finalizers = secret.metadata?.finalizers ?? [];
    if (!finalizers.includes(finalizer)) await setFinalizers(objects, secret, [...finalizers, finalizer]);
  }
}

/** Lets these Secrets go: the cleanup ran, or the spec no longer needs them for it. */
export async function releaseSecrets(
  objects: KubernetesObjectApi,
  resource: NextcloudMcp,
  names: readonly string[],
): Promise<void> {
  const finalizer = holdFinalizer(resource);
  for (const name of names) {
    const secret = await read(objects, name, resource.metadata.namespace);
    const finalizers = secret?.metadata?.finalizers ?? [];
    if (secret && finalizers.includes(finalizer))
      await setFinalizers(
        objects,
        secret,
        finalizers.filter((candidate) => candidate !== finalizer),
      );
  }
}
