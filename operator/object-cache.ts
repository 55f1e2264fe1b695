import {
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type KubernetesObjectApi,
  makeInformer,
  type ObjectCache,
} from '@kubernetes/client-node';
import { fromKubernetes, KubernetesNotFound } from './errors.js';

/** An informer with the cache it keeps. */
export type CachingInformer = Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

/** How the reconciler reads one object: from an informer's cache where there is one. */
export interface ObjectReader {
  read<T extends KubernetesObject>(ref: KubernetesObject): Promise<T | undefined>;
}

/** A GET per read (404: absent), for what no informer caches and for a reconcile run alone. */
export function apiReader(objects: KubernetesObjectApi): ObjectReader {
  return {
    async read<T extends KubernetesObject>(ref: KubernetesObject) {
      try {
        return (await objects.read(ref as KubernetesObject & { metadata: { name: string } })) as T;
      } catch (error) {
        const failure = fromKubernetes(error);
        if (failure instanceof KubernetesNotFound) return undefined;
        throw failure;
      }
    },
  };
}

/** How informers are keyed: by what the objects they hold say of themselves. */
export const informerKey = (apiVersion: string | undefined, kind: string | undefined) =>
  `${apiVersion}/${kind}`;

/**
 * Reads from the informers given by apiVersion/kind; any other kind (a user's Secret) is read
 * from the API. The informers list and watch before the workers start, so a miss means absent.
 */
export function cachedReader(
  informers: ReadonlyMap<string, CachingInformer>,
  fallback: ObjectReader,
): ObjectReader {
  return {
    async read<T extends KubernetesObject>(ref: KubernetesObject) {
      const informer = informers.get(informerKey(ref.apiVersion, ref.kind));
      if (!informer) return fallback.read<T>(ref);
      const cached = informer.get(ref.metadata?.name ?? '', ref.metadata?.namespace);
      // Items of a list carry no apiVersion and kind (watch events do): name them as a GET would.
      return cached && ({ ...cached, apiVersion: ref.apiVersion, kind: ref.kind } as T);
    },
  };
}

/**
 * The kinds besides Deployments the operator owns for every tenant, watched under its
 * managed-by label: a reconcile reads them from memory, and an edit or deletion by someone
 * else brings the owner back to the queue at once.
 */
const OWNED_KINDS = [
  { apiVersion: 'v1', kind: 'ServiceAccount', path: 'serviceaccounts' },
  { apiVersion: 'v1', kind: 'Secret', path: 'secrets' },
  { apiVersion: 'v1', kind: 'Service', path: 'services' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', path: 'networkpolicies' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', path: 'poddisruptionbudgets' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', path: 'ingresses' },
] as const;

/** Informers on the owned kinds, keyed as `cachedReader` looks them up (not started). */
export function ownedInformers(
  kubeConfig: KubeConfig,
  objects: KubernetesObjectApi,
  namespace: string | undefined,
  labelSelector: string,
): Map<string, CachingInformer> {
  const informers = new Map<string, CachingInformer>();
  for (const { apiVersion, kind, path } of OWNED_KINDS) {
    const prefix = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
    const informer = makeInformer<KubernetesObject>(
      kubeConfig,
      `${prefix}${namespace ? `/namespaces/${namespace}` : ''}/${path}`,
      () =>
        objects.list(
          apiVersion,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          labelSelector,
        ) as Promise<KubernetesListObject<KubernetesObject>>,
      labelSelector,
    );
    informers.set(informerKey(apiVersion, kind), informer);
  }
  return informers;
}
