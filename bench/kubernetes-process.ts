/**
 * The Kubernetes stand-in in a process of its own (its CPU and memory are not the operator's),
 * playing the Deployment controller too: every Deployment the operator applies becomes available.
 * Prints its URL on the first line; answers `counters` IPC messages with its request counts.
 */
import { AppsV1Api, type V1Deployment, Watch } from '@kubernetes/client-node';
import { startKubernetesStandin } from '../test/standins/kubernetes.js';

const api = await startKubernetesStandin();
const config = api.kubeConfig();
const apps = config.makeApiClient(AppsV1Api);

// The stand-in has no kubelet: mark each new Deployment generation available, as pods would be.
let ownRequests = 1; // the watch below
const makeAvailable = async (deployment: V1Deployment) => {
  const replicas = deployment.spec?.replicas ?? 1;
  if (deployment.status?.observedGeneration === deployment.metadata?.generation) return;
  ownRequests++;
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
await new Watch(config).watch(
  '/apis/apps/v1/deployments',
  {},
  (type, deployment: V1Deployment) => {
    if (type === 'ADDED' || type === 'MODIFIED')
      makeAvailable(deployment).catch((error: unknown) =>
        process.stderr.write(`deployment status: ${error}\n`),
      );
  },
  () => undefined,
);

process.stdout.write(`${api.url}\n`);
process.on('message', (message) => {
  // The operator's share: what this process did itself (watch, Deployment status) is left out.
  if (message === 'counters')
    process.send?.({
      requests: api.requests - ownRequests,
      writes: api.writes - (ownRequests - 1),
      writesTo: { ...api.writesTo, deployments: (api.writesTo.deployments ?? 0) - (ownRequests - 1) },
    });
});
process.once('SIGTERM', () => void api.stop().then(() => process.exit(0)));
