import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CoreV1Api,
  CustomObjectsApi,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  RbacAuthorizationV1Api,
  type V1Pod,
} from '@kubernetes/client-node';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../contract/index.js';
import { credentialsSecret } from '../dev/tenant-spec.js';
import { MANAGED_BY } from '../operator/desired.js';
import { createTenant, startPrivateControlPlane } from '../peers/control-plane.js';
import { kubeconfigFor } from '../peers/kubernetes.js';

const SERVICE_ACCOUNT = { namespace: 'operators', name: 'nextcloud-mcp-operator' };
/** Who the operator is in the audit log: its ServiceAccount, as in a pod. */
export const OPERATOR_USER = `system:serviceaccount:${SERVICE_ACCOUNT.namespace}:${SERVICE_ACCOUNT.name}`;

/**
 * A kubeconfig for the operator's ServiceAccount (a TokenRequest token, bound to cluster-admin),
 * so the audit log tells its requests from the bench's, which are the admin's.
 */
async function operatorKubeconfig(config: KubeConfig, server: string, caFile: string, file: string) {
  const core = config.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: SERVICE_ACCOUNT.namespace } } });
  await core.createNamespacedServiceAccount({
    namespace: SERVICE_ACCOUNT.namespace,
    body: { metadata: { name: SERVICE_ACCOUNT.name } },
  });
  await config.makeApiClient(RbacAuthorizationV1Api).createClusterRoleBinding({
    body: {
      metadata: { name: 'nextcloud-mcp-operator-bench' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', ...SERVICE_ACCOUNT }],
    },
  });
  const token = await core.createNamespacedServiceAccountToken({
    ...SERVICE_ACCOUNT,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  writeFileSync(file, kubeconfigFor(server, caFile, token.status?.token ?? '', 'operator'));
}

/** An informer that lists and watches again after a failed watch, until stopped. */
async function follow<T extends KubernetesObject>(
  informer: Informer<T>,
  onChange: (object: T) => void,
): Promise<() => Promise<void>> {
  let stopped = false;
  for (const verb of ['add', 'update'] as const) informer.on(verb, onChange);
  informer.on('error', () => {
    if (!stopped) setTimeout(() => void informer.start(), 1000);
  });
  await informer.start();
  return async () => {
    stopped = true;
    await informer.stop();
  };
}

const isReady = (conditions?: readonly { type: string; status: string }[]) =>
  conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/**
 * Plays the kubelet, which this control plane lacks: every pod of the operator's Deployments is
 * marked Running and Ready as soon as it appears (as makePodsReady in test/operator/cluster.ts
 * does one Deployment at a time), so the ReplicaSet and Deployment controllers make it available.
 * A write that loses a race (409) is retried by the update event that beat it.
 */
function kubelet(config: KubeConfig) {
  const core = config.makeApiClient(CoreV1Api);
  const selector = `app.kubernetes.io/managed-by=${MANAGED_BY}`;
  const pods = makeInformer<V1Pod & KubernetesObject>(
    config,
    '/api/v1/pods',
    () => core.listPodForAllNamespaces({ labelSelector: selector }),
    selector,
  );
  return follow(pods, (pod) => {
    if (pod.metadata?.deletionTimestamp || isReady(pod.status?.conditions)) return;
    const now = new Date();
    const ready = ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
      type,
      status: 'True',
      lastTransitionTime: now,
    }));
    core
      .replaceNamespacedPodStatus({
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? '',
        body: { ...pod, status: { ...pod.status, phase: 'Running', startTime: now, conditions: ready } },
      })
      .catch((error: { code?: number }) => {
        if (error.code !== 409) process.stderr.write(`bench kubelet: ${error}\n`);
      });
  });
}

/** Ready tenants, watched (not polled), with when each first became Ready. */
function readiness(config: KubeConfig) {
  const custom = config.makeApiClient(CustomObjectsApi);
  const readyAt = new Map<string, number>();
  const tenants = makeInformer<NextcloudMcp & KubernetesObject>(
    config,
    `/apis/${CRD_GROUP}/${CRD_VERSION}/${CRD_PLURAL}`,
    () =>
      custom.listClusterCustomObject({
        group: CRD_GROUP,
        version: CRD_VERSION,
        plural: CRD_PLURAL,
      }) as Promise<KubernetesListObject<NextcloudMcp & KubernetesObject>>,
  );
  const started = follow(tenants, (tenant) => {
    const key = `${tenant.metadata.namespace}/${tenant.metadata.name}`;
    if (isReady(tenant.status?.conditions) && !readyAt.has(key)) readyAt.set(key, performance.now());
  });
  return { readyAt, started };
}

/**
 * A control plane of the bench's own (etcd, kube-apiserver with RBAC and an audit log,
 * kube-controller-manager; CRD installed), so what it counts is the operator's alone; plus the
 * bench's kubelet and a watch on the tenants' readiness.
 */
export async function startBenchCluster(directory: string) {
  const plane = await startPrivateControlPlane();
  const stops: (() => Promise<void>)[] = [];
  try {
    const { config, peer } = plane;
    const kubeconfig = join(directory, 'operator.kubeconfig');
    await operatorKubeconfig(config, peer.url, peer.caFile, kubeconfig);
    stops.push(await kubelet(config));
    const watched = readiness(config);
    stops.push(await watched.started);
    return {
      config,
      peer,
      kubeconfig,
      /** When each tenant (`namespace/name`) was first seen Ready. */
      readyAt: watched.readyAt,
      async stop() {
        for (const stop of stops) await stop().catch(() => undefined);
        await plane.stop();
      },
    };
  } catch (error) {
    for (const stop of stops) await stop().catch(() => undefined);
    await plane.stop();
    throw error;
  }
}

/** Namespaces, each with `secrets`, then `count` NextcloudMcp resources `t<i>` over them, with `spec(i)`. */
export async function createTenants(
  config: KubeConfig,
  options: {
    namespaces: readonly string[];
    count: number;
    secrets: Record<string, Record<string, string>>;
    spec: (index: number) => object;
  },
): Promise<void> {
  const core = config.makeApiClient(CoreV1Api);
  const custom = config.makeApiClient(CustomObjectsApi);
  for (const namespace of options.namespaces) {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    for (const [name, stringData] of Object.entries(options.secrets))
      await core.createNamespacedSecret({
        namespace,
        body: { metadata: credentialsSecret(name), stringData },
      });
  }
  for (let i = 0; i < options.count; i++) {
    const namespace = options.namespaces[i % options.namespaces.length] ?? '';
    await createTenant(custom, namespace, `t${i}`, options.spec(i));
  }
}
