import type { V1PolicyRule } from '@kubernetes/client-node';
import { CRD_GROUP, CRD_PLURAL } from '../contract/index.js';

/**
 * Everything the operator may do cluster-wide, and nothing more: a test runs the operator's
 * scenarios on a real apiserver with these rules bound, reads from its audit log each (group,
 * resource, verb) it used, and requires the two to be equal. Server-side apply that creates an object is authorised as `patch` and
 * `create`, as the API server does.
 */
export const CLUSTER_RULES: readonly V1PolicyRule[] = [
  { apiGroups: [CRD_GROUP], resources: [CRD_PLURAL], verbs: ['list', 'watch', 'patch'] },
  { apiGroups: [CRD_GROUP], resources: [`${CRD_PLURAL}/status`], verbs: ['update'] },
  // Owned objects block their owner's deletion (blockOwnerDeletion), which admission
  // (OwnerReferencesPermissionEnforcement) allows only to who may set the owner's finalizers.
  { apiGroups: [CRD_GROUP], resources: [`${CRD_PLURAL}/finalizers`], verbs: ['update'] },
  // Owned kinds are read from informer caches (list, watch); a name the caches miss is asked of
  // the API (get), since they see only labelled objects and an unlabelled namesake must be seen
  // too (NameConflict). Secrets a resource references are read one by one (get).
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  {
    apiGroups: [''],
    resources: ['serviceaccounts', 'services'],
    verbs: ['get', 'list', 'watch', 'create', 'patch'],
  },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  {
    apiGroups: ['networking.k8s.io'],
    resources: ['networkpolicies'],
    verbs: ['get', 'list', 'watch', 'create', 'patch'],
  },
  // Only made for some specs, so deleted when the spec stops asking for them.
  {
    apiGroups: ['policy'],
    resources: ['poddisruptionbudgets'],
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
  },
  {
    apiGroups: ['networking.k8s.io'],
    resources: ['ingresses'],
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
  },
];

/** What the operator may do in its own namespace: hold the leader-election Lease. */
export const NAMESPACE_RULES: readonly V1PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];

/** Every (group, resource, verb) a rule set grants, as `group/resource:verb`. */
export function grants(rules: readonly V1PolicyRule[]): Set<string> {
  const granted = new Set<string>();
  for (const rule of rules)
    for (const group of rule.apiGroups ?? [])
      for (const resource of rule.resources ?? [])
        for (const verb of rule.verbs) granted.add(`${group}/${resource}:${verb}`);
  return granted;
}
