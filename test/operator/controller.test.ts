import { AppsV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../../contract/index.js';
import { type RunningController, startController } from '../../operator/controller.js';
import type { KubernetesStandin } from '../standins/kubernetes.js';
import { createTenant, eventually, REAL_KUBECONFIG, startClusterWithCrd } from './cluster.js';

// Plays the Deployment controller (and, for the controller, drops watches): the stand-in only.
describe.skipIf(REAL_KUBECONFIG)('the controller', () => {
  let api: KubernetesStandin;
  let controller: RunningController;
  let custom: CustomObjectsApi;
  let apps: AppsV1Api;
  const ns = 'tenant-acme';

  const create = (name: string) =>
    createTenant(
      custom,
      ns,
      name,
      { identity: { issuerUrl: 'https://sso.example/realms/acme', clientSecretRef: { name: 'client' } } },
      'https://cloud.acme.example',
    );
  const deployment = (name: string) =>
    eventually(async () => apps.readNamespacedDeployment({ name: `${name}-mcp`, namespace: ns }));

  beforeAll(async () => {
    const cluster = await startClusterWithCrd();
    api = cluster.api;
    const config = cluster.config;
    custom = config.makeApiClient(CustomObjectsApi);
    apps = config.makeApiClient(AppsV1Api);
    controller = await startController({
      kubeConfig: config,
      identity: {
        ensure: async () => ({
          ok: true,
          managed: false,
          rotated: false,
          client: { id: 'client', secret: 'secret' },
        }),
        cleanup: async () => ({ ok: true }),
      },
      events: { record: async () => undefined },
      operatorImage: 'registry.example/nextcloud-mcp:1',
      workers: 2,
      log: pino({ level: 'silent' }),
      restartDelayMs: 100,
    });
  });
  afterAll(async () => {
    await controller?.stop();
    await api?.stop();
  });

  it('reconciles a new resource and turns it Ready when its Deployment becomes available', async () => {
    await create('alpha');
    const created = await deployment('alpha');
    await apps.replaceNamespacedDeploymentStatus({
      name: 'alpha-mcp',
      namespace: ns,
      body: { ...created, status: { availableReplicas: 1, replicas: 1 } },
    });
    const ready = await eventually(async () => {
      const resource = (await custom.getNamespacedCustomObject({
        group: CRD_GROUP,
        version: CRD_VERSION,
        plural: CRD_PLURAL,
        namespace: ns,
        name: 'alpha',
      })) as NextcloudMcp;
      return resource.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
    });
    expect(ready.reason).toBe('Ready');
  });

  it('recovers when the API server drops its watches, losing no event', async () => {
    api.dropWatches();
    await create('beta');
    expect((await deployment('beta')).metadata?.name).toBe('beta-mcp');
  });

  it('re-lists after 410 Gone', async () => {
    api.compact(0);
    api.dropWatches();
    await create('gamma');
    expect((await deployment('gamma')).metadata?.name).toBe('gamma-mcp');
  });
});
