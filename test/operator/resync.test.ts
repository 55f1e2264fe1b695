import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../../contract/index.js';
import { credentialsSecret } from '../../dev/tenant-spec.js';
import { type RunningController, startController } from '../../operator/controller.js';
import { createOperatorMetrics } from '../../operator/metrics.js';
import {
  apiserverWrites,
  controllerOptions,
  createTenant,
  eventually,
  makePodsReady,
  startPrivateControlPlane,
} from './cluster.js';

const COUNT = 50;

/**
 * The controller's periodic resync over many Ready resources: every one reconciled, and the
 * apiserver's own request counters show no write. The control plane is this suite's own, so
 * what it counts is the operator's (and its controllers', which write nothing in a steady state).
 */
describe('a steady-state resync', () => {
  let plane: Awaited<ReturnType<typeof startPrivateControlPlane>>;
  let controller: RunningController;
  let config: KubeConfig;
  const metrics = createOperatorMetrics();
  const reconciles = async () =>
    (await metrics.reconciles.get()).values.reduce((sum, value) => sum + value.value, 0);

  const options = () => controllerOptions(config, { workers: 4, metrics, resyncMs: 1500 });

  beforeAll(async () => {
    plane = await startPrivateControlPlane();
    config = plane.config;
    const core = config.makeApiClient(CoreV1Api);
    const custom = config.makeApiClient(CustomObjectsApi);
    for (const namespace of ['tenants-a', 'tenants-b']) {
      await core.createNamespace({ body: { metadata: { name: namespace } } });
      await core.createNamespacedSecret({
        namespace,
        body: {
          metadata: credentialsSecret('client'),
          stringData: { clientId: 'byo', clientSecret: 'byo-secret' },
        },
      });
    }
    const resources = Array.from({ length: COUNT }, (_, index) => ({
      namespace: index % 2 ? 'tenants-a' : 'tenants-b',
      name: `t${index}`,
    }));
    controller = await startController(options());
    for (const { namespace, name } of resources) {
      await createTenant(custom, namespace, name, {
        identity: { issuerUrl: 'https://sso.example/realms/a', clientSecretRef: { name: 'client' } },
      });
    }
    await Promise.all(
      resources.map(({ namespace, name }) =>
        eventually(() => makePodsReady(config, namespace, `${name}-mcp`).then(() => true), 60_000),
      ),
    );
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
    await eventually(
      async () => ((await Promise.all(resources.map(isReady))).every(Boolean) ? true : undefined),
      60_000,
      'every resource Ready',
    );
  }, 150_000);
  afterAll(async () => {
    await controller?.stop();
    await plane?.stop();
  });

  it(`a fresh replica lists all ${COUNT} Ready resources, reconciles each, and the apiserver counts no write`, async () => {
    // As a standby taking over: its caches come from lists, not from the events of its own writes.
    await controller.stop();
    // Let the last status writes and Deployment rollouts settle before counting.
    await sleep(3000);
    const writes = await apiserverWrites(config);
    const before = await reconciles();
    controller = await startController(options());
    for (let i = 0; i < 100 && (await reconciles()) < before + 2 * COUNT; i++) await sleep(100);
    expect(await reconciles()).toBeGreaterThanOrEqual(before + 2 * COUNT);
    expect(await apiserverWrites(config)).toEqual(writes);
  }, 30_000);
});
