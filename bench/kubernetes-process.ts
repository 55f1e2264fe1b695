/**
 * The Kubernetes stand-in in a process of its own (its CPU and memory are not the operator's),
 * with the NextcloudMcp CRD installed, playing the Deployment controller too: every Deployment
 * the operator applies becomes available. Prints its URL on the first line of stdout; answers
 * `counters` IPC messages with the operator's share of the requests and how many tenants are Ready.
 */
import { readFileSync } from 'node:fs';
import { AppsV1Api, type V1Deployment, Watch } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../contract/index.js';
import { MANAGED_BY } from '../operator/desired.js';
import { startKubernetesStandin } from '../test/standins/kubernetes.js';

export interface StandinCounters {
  requests: number;
  writes: number;
  writesTo: Record<string, number>;
  /** Tenants whose Ready condition is True, as the API server holds them. */
  ready: number;
  tenants: number;
}

const api = await startKubernetesStandin();
const config = api.kubeConfig();
const apps = config.makeApiClient(AppsV1Api);
// What this process sends itself (CRD, watches, Deployment status) is not the operator's.
let ownRequests = 0;
let ownWrites = 0;
let ownDeploymentWrites = 0;

// The CRD as kubectl sends it: the raw document (typed clients would drop its schema keywords).
ownRequests++;
ownWrites++;
const installed = await fetch(`${api.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(parse(readFileSync('crds/nextcloudmcps.nextcloud-mcp.io.yaml', 'utf8'))),
});
if (!installed.ok) throw new Error(`installing the CRD answered HTTP ${installed.status}`);

/** Re-opens a watch whenever it ends; each opening is one request the operator did not make. */
function watch<T>(path: string, query: Record<string, string>, onEvent: (type: string, object: T) => void) {
  ownRequests++;
  void new Watch(config)
    .watch(path, query, onEvent, (error: unknown) => {
      if (error) process.stderr.write(`bench watch ${path}: ${error}\n`);
      setTimeout(() => watch(path, query, onEvent), 100).unref();
    })
    .catch((error: unknown) => process.stderr.write(`bench watch ${path}: ${error}\n`));
}

// The stand-in has no kubelet: mark each new Deployment generation available, as pods would be.
const makeAvailable = async (deployment: V1Deployment) => {
  const replicas = deployment.spec?.replicas ?? 1;
  if (deployment.status?.observedGeneration === deployment.metadata?.generation) return;
  ownRequests++;
  ownWrites++;
  ownDeploymentWrites++;
  await apps.replaceNamespacedDeploymentStatus({
    name: deployment.metadata?.name ?? '',
    namespace: deployment.metadata?.namespace ?? '',
    body: {
      ...deployment,
      status: {
        observedGeneration: deployment.metadata?.generation ?? 1,
        replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        updatedReplicas: replicas,
      },
    },
  });
};
watch(
  '/apis/apps/v1/deployments',
  { labelSelector: `app.kubernetes.io/managed-by=${MANAGED_BY}` },
  (type, deployment: V1Deployment) => {
    // A conflict (the operator wrote meanwhile) is retried by the MODIFIED event that follows.
    if (type === 'ADDED' || type === 'MODIFIED')
      makeAvailable(deployment).catch((error: unknown) =>
        process.stderr.write(`deployment status: ${error}\n`),
      );
  },
);

/**
 * Ready=True; an operator that does not write Ready yet counts as ready once its workload is
 * available, so the section measures either version.
 */
function isReady(tenant: NextcloudMcp): boolean {
  const conditions = tenant.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (ready) return ready.status === 'True';
  return conditions.some((c) => c.type === 'WorkloadAvailable' && c.status === 'True');
}
// Watched here rather than polled by the bench, so readiness checks add no request to the count.
const tenants = new Map<string, boolean>();
watch(`/apis/${CRD_GROUP}/${CRD_VERSION}/${CRD_PLURAL}`, {}, (type, tenant: NextcloudMcp) => {
  const key = `${tenant.metadata?.namespace}/${tenant.metadata?.name}`;
  if (type === 'DELETED') tenants.delete(key);
  else if (type === 'ADDED' || type === 'MODIFIED') tenants.set(key, isReady(tenant));
});

process.stdout.write(`${api.url}\n`);
process.on('message', (message) => {
  if (message !== 'counters') return;
  const counters: StandinCounters = {
    requests: api.requests - ownRequests,
    writes: api.writes - ownWrites,
    writesTo: {
      ...api.writesTo,
      deployments: (api.writesTo.deployments ?? 0) - ownDeploymentWrites,
      customresourcedefinitions: (api.writesTo.customresourcedefinitions ?? 0) - 1,
    },
    ready: [...tenants.values()].filter(Boolean).length,
    tenants: tenants.size,
  };
  process.send?.(counters);
});
// The bench going away (even killed) takes this process with it.
process.on('disconnect', () => process.exit(0));
process.once('SIGTERM', () => void api.stop().then(() => process.exit(0)));
