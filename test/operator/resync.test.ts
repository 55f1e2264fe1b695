import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../../contract/index.js';
import { type RunningController, startController } from '../../operator/controller.js';
import { createEventRecorder } from '../../operator/events.js';
import { createIdentityProvisioner } from '../../operator/identity.js';
import { createOperatorMetrics } from '../../operator/metrics.js';
import type { KubernetesStandin } from '../standins/kubernetes.js';
import { createTenant, REAL_KUBECONFIG, startClusterWithCrd } from './cluster.js';

const COUNT = 50;

/** The controller's periodic resync over many Ready resources: every one reconciled, nothing written. */
// Plays the Deployment controller (and, for the controller, drops watches): the stand-in only.
describe.skipIf(REAL_KUBECONFIG)('a steady-state resync', () => {
  let api: KubernetesStandin;
  let controller: RunningController;
  const metrics = createOperatorMetrics();
  const reconciles = async () =>
    (await metrics.reconciles.get()).values.reduce((sum, value) => sum + value.value, 0);

  beforeAll(async () => {
    const cluster = await startClusterWithCrd();
    api = cluster.api;
    const core = cluster.config.makeApiClient(CoreV1Api);
    const custom = cluster.config.makeApiClient(CustomObjectsApi);
    const apps = cluster.config.makeApiClient(AppsV1Api);
    for (const namespace of ['tenants-a', 'tenants-b']) {
      await core.createNamespacedSecret({
        namespace,
        body: { metadata: { name: 'client' }, stringData: { clientId: 'byo', clientSecret: 'byo-secret' } },
      });
    }
    const resources = Array.from({ length: COUNT }, (_, index) => ({
      namespace: index % 2 ? 'tenants-a' : 'tenants-b',
      name: `t${index}`,
    }));
    controller = await startController({
      kubeConfig: cluster.config,
      identity: createIdentityProvisioner(core),
      events: createEventRecorder(core, pino({ level: 'silent' }), 'test'),
      operatorImage: 'img:1',
      workers: 4,
      log: pino({ level: 'silent' }),
      metrics,
      resyncMs: 1500,
    });
    for (const { namespace, name } of resources) {
      await createTenant(custom, namespace, name, {
        identity: { issuerUrl: 'https://sso.example/realms/a', clientSecretRef: { name: 'client' } },
      });
    }
    // Play the Deployment controller until every resource is Ready.
    const isReady = async ({ namespace, name }: (typeof resources)[number]) => {
      const resource = (await custom.getNamespacedCustomObject({
        group: CRD_GROUP,
        version: CRD_VERSION,
        plural: CRD_PLURAL,
        namespace,
        name,
      })) as NextcloudMcp;
      return resource.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    };
    for (let round = 0; round < 100; round++) {
      const deployments = await apps.listDeploymentForAllNamespaces();
      for (const deployment of deployments.items.filter((d) => !d.status?.availableReplicas)) {
        await apps.replaceNamespacedDeploymentStatus({
          name: deployment.metadata?.name ?? '',
          namespace: deployment.metadata?.namespace ?? '',
          body: { ...deployment, status: { replicas: 1, availableReplicas: 1, readyReplicas: 1 } },
        });
      }
      if ((await Promise.all(resources.map(isReady))).every(Boolean)) return;
      await sleep(100);
    }
    throw new Error('not every resource became Ready');
  }, 30_000);
  afterAll(async () => {
    await controller?.stop();
    await api?.stop();
  });

  it(`reconciles all ${COUNT} Ready resources again and writes nothing`, async () => {
    await sleep(500);
    const writes = api.writes;
    const before = await reconciles();
    for (let i = 0; i < 60 && (await reconciles()) < before + COUNT; i++) await sleep(100);
    expect(await reconciles()).toBeGreaterThanOrEqual(before + COUNT);
    expect(api.writes).toBe(writes);
  }, 15_000);
});
