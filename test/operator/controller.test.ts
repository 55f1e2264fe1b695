import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../../contract/index.js';
import { type RunningController, startController } from '../../operator/controller.js';
import { type Apiserver, compactEtcd } from '../../peers/kubernetes.js';
import {
  controllerOptions,
  createTenant,
  eventually,
  makePodsReady,
  startClusterWithCrd,
  startPrivateControlPlane,
  type TestCluster,
  testNamespace,
} from './cluster.js';

/** A controller whose IdP is a stub: these suites are about watches, not identity. */
const options = (kubeConfig: KubeConfig, namespace: string) =>
  controllerOptions(kubeConfig, {
    namespace,
    identity: {
      ensure: async () => ({ rotated: false, client: { id: 'client', secret: 'secret' } }),
      cleanup: async () => undefined,
    },
    events: { record: async () => undefined },
  });

const tenant = (custom: CustomObjectsApi, namespace: string, name: string) =>
  createTenant(custom, namespace, name);

describe('the controller', () => {
  let api: TestCluster;
  let controller: RunningController;
  let custom: CustomObjectsApi;
  let config: KubeConfig;
  let ns = 'tenant-acme';

  beforeAll(async () => {
    const cluster = await startClusterWithCrd();
    api = cluster.api;
    config = cluster.config;
    ns = await testNamespace(config, ns);
    custom = config.makeApiClient(CustomObjectsApi);
    controller = await startController(options(config, ns));
  });
  afterAll(async () => {
    await controller?.stop();
    await api?.stop();
  });

  it('reconciles a new resource and turns it Ready once its pods are', async () => {
    await tenant(custom, ns, 'alpha');
    await eventually(() =>
      config.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'alpha-mcp', namespace: ns }),
    );
    await makePodsReady(config, ns, 'alpha-mcp');
    const ready = await eventually(async () => {
      const resource = (await custom.getNamespacedCustomObject({
        group: CRD_GROUP,
        version: CRD_VERSION,
        plural: CRD_PLURAL,
        namespace: ns,
        name: 'alpha',
      })) as NextcloudMcp;
      return resource.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
    }, 15_000);
    expect(ready.reason).toBe('Ready');
  });

  it('repairs an owned object someone deleted, at once (its informer brings the owner back)', async () => {
    const core = config.makeApiClient(CoreV1Api);
    await core.deleteNamespacedService({ name: 'alpha-mcp', namespace: ns });
    const repaired = await eventually(
      () => core.readNamespacedService({ name: 'alpha-mcp', namespace: ns }),
      10_000,
    );
    expect(repaired.metadata?.labels?.['app.kubernetes.io/instance']).toBe('alpha');
  });
});

/**
 * Real faults, on a control plane of this suite's own (two apiservers over one etcd, so changes
 * can be made while the operator's apiserver is down): nothing the operator missed is lost.
 */
describe('the controller across apiserver outages', () => {
  let plane: Awaited<ReturnType<typeof startPrivateControlPlane>>;
  let controller: RunningController;
  const ns = 'tenant-outage';
  const client = (kubeconfig: string) => {
    const config = new KubeConfig();
    config.loadFromFile(kubeconfig);
    return config;
  };
  const deployment = (config: KubeConfig, name: string) =>
    eventually(
      () => config.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: `${name}-mcp`, namespace: ns }),
      45_000,
      `${name}'s Deployment`,
    );

  beforeAll(async () => {
    plane = await startPrivateControlPlane({ apiservers: 2, controllerManager: false });
    await plane.config.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    controller = await startController(options(plane.config, ns));
  }, 120_000);
  afterAll(async () => {
    await controller?.stop();
    await plane?.stop();
  });

  it('reconciles what changed while its apiserver was down', async () => {
    const [own, other] = plane.peer.apiservers as [Apiserver, Apiserver];
    await own.restart(async () => {
      await tenant(client(other.kubeconfig).makeApiClient(CustomObjectsApi), ns, 'beta');
    });
    expect((await deployment(client(other.kubeconfig), 'beta')).metadata?.name).toBe('beta-mcp');
  }, 90_000);

  it('lists again when its watch resumes after history was compacted (410 Gone)', async () => {
    const [own, other] = plane.peer.apiservers as [Apiserver, Apiserver];
    await own.restart(async () => {
      const custom = client(other.kubeconfig).makeApiClient(CustomObjectsApi);
      await tenant(custom, ns, 'gamma');
      await compactEtcd(plane.peer.etcdUrl);
    });
    expect((await deployment(client(other.kubeconfig), 'gamma')).metadata?.name).toBe('gamma-mcp');
  }, 90_000);
});
