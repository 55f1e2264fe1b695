import { AppsV1Api, CoreV1Api, NetworkingV1Api, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../../contract/index.js';
import { tenant } from '../../dev/tenant-spec.js';
import type { IdentityProvisioner } from '../../operator/identity.js';
import { type ReconcileDeps, reconcile } from '../../operator/reconcile.js';
import { type CountingKubeConfig, reconcileDeps, startPrivateControlPlane } from './cluster.js';
import { FULLY_TUNED } from './crd-tuning-cases.js';

/**
 * A tuned tenant reconciled on a real API server. The control plane is this suite's own, with this
 * checkout's CRD: the shared one has whatever CRD the peers started with, which may prune spec.pod.
 */
describe('reconciling a tuned NextcloudMcp', () => {
  let plane: Awaited<ReturnType<typeof startPrivateControlPlane>>;
  let config: CountingKubeConfig;
  let deps: ReconcileDeps;
  let apps: AppsV1Api;
  const ns = 'tenant-tuned';
  const target = { group: CRD_GROUP, version: CRD_VERSION, plural: CRD_PLURAL, namespace: ns, name: 'acme' };
  const identity: IdentityProvisioner = {
    ensure: async () => ({ rotated: false, client: { id: 'mcp-tuned', secret: 'client-secret' } }),
    cleanup: async () => undefined,
  };
  const ingress = {
    annotations: {
      'cert-manager.io/cluster-issuer': 'letsencrypt',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
      'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
    },
  };
  const get = async () => (await deps.custom.getNamespacedCustomObject(target)) as NextcloudMcp;
  const deployment = () => apps.readNamespacedDeployment({ name: 'acme-mcp', namespace: ns });
  const setSpec = async (change: (spec: NextcloudMcp['spec']) => NextcloudMcp['spec']) => {
    const current = await get();
    await deps.custom.replaceNamespacedCustomObject({
      ...target,
      body: { ...current, spec: change(current.spec) },
    });
    await reconcile(ns, 'acme', deps);
  };
  const podOf = (object: V1Deployment) => object.spec?.template;

  beforeAll(async () => {
    plane = await startPrivateControlPlane({ controllerManager: false });
    config = plane.config;
    apps = config.makeApiClient(AppsV1Api);
    await config.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    deps = { ...reconcileDeps(config, identity), ingressDomains: ['acme.example'] };
    await deps.custom.createNamespacedCustomObject({
      ...target,
      body: tenant('acme', { spec: { ...FULLY_TUNED, ingress } }),
    });
  }, 120_000);
  afterAll(async () => {
    await plane?.stop();
  });

  it("runs the pods as tuned: the API server's Deployment has every field", async () => {
    await reconcile(ns, 'acme', deps);
    const pod = podOf(await deployment());
    const asked = FULLY_TUNED.pod;
    expect(pod?.spec).toMatchObject({
      imagePullSecrets: asked.imagePullSecrets,
      nodeSelector: asked.nodeSelector,
      tolerations: asked.tolerations,
      affinity: asked.affinity,
      priorityClassName: 'tenant-high',
    });
    expect(pod?.spec?.containers.map((container) => container.resources)).toEqual([
      { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
      { requests: { cpu: '1500m', memory: '1Gi' }, limits: { memory: '2G' } },
    ]);
    expect(pod?.metadata?.labels).toMatchObject({ ...asked.labels, 'app.kubernetes.io/instance': 'acme' });
    expect(pod?.metadata?.annotations).toMatchObject(asked.annotations);
    const annotations = (
      await config.makeApiClient(NetworkingV1Api).readNamespacedIngress({ name: 'acme-mcp', namespace: ns })
    ).metadata?.annotations;
    expect(annotations).toMatchObject(ingress.annotations);
  });

  it('writes nothing when reconciled again: quantities are compared as the API server writes them', async () => {
    const writes = config.writes;
    await reconcile(ns, 'acme', deps);
    expect(config.writes).toBe(writes);
  });

  it('rolls the pods on a change and drops what the spec stops asking for', async () => {
    const before = await deployment();
    await setSpec((spec) => {
      const { priorityClassName: _, tolerations: __, ...pod } = spec.pod ?? {};
      return { ...spec, pod: { ...pod, nodeSelector: { pool: 'b' } } };
    });
    const after = await deployment();
    expect(after.metadata?.generation).toBeGreaterThan(before.metadata?.generation ?? 0);
    expect(podOf(after)?.spec?.nodeSelector).toEqual({ pool: 'b' });
    expect(podOf(after)?.spec).not.toHaveProperty('priorityClassName');
    expect(podOf(after)?.spec).not.toHaveProperty('tolerations');
    await setSpec(({ pod: _, ...spec }) => spec);
    const plain = podOf(await deployment());
    for (const field of ['imagePullSecrets', 'nodeSelector', 'affinity'])
      expect(plain?.spec).not.toHaveProperty(field);
    expect(plain?.metadata?.labels).not.toHaveProperty('team');
    expect(plain?.metadata?.annotations).not.toHaveProperty('sidecar.istio.io/inject');
    expect(plain?.spec?.containers[0]?.resources).toEqual({
      requests: { cpu: '50m', memory: '96Mi' },
      limits: { memory: '192Mi' },
    });
  });

  it('reports what the API server refuses of a spec the CRD let through, and recovers when it is fixed', async () => {
    const before = await deployment();
    // The CRD takes any topology key; the Deployment's validation wants a qualified name.
    const term = { topologyKey: 'not a key!', labelSelector: { matchLabels: { app: 'x' } } };
    await setSpec((spec) => ({
      ...spec,
      pod: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } },
    }));
    const refused = (await get()).status?.conditions?.find((c) => c.type === 'WorkloadAvailable');
    expect(refused).toMatchObject({ status: 'False', reason: 'WorkloadRefused' });
    expect(refused?.message).toMatch(
      /^the API server refused the Deployment acme-mcp \(.*topologyKey: Invalid value.*\)/,
    );
    expect((await get()).status?.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('WorkloadRefused');
    expect((await deployment()).metadata?.generation).toBe(before.metadata?.generation);

    await setSpec((spec) => ({ ...spec, pod: { nodeSelector: { pool: 'c' } } }));
    expect(podOf(await deployment())?.spec?.nodeSelector).toEqual({ pool: 'c' });
    const fixed = (await get()).status?.conditions?.find((c) => c.type === 'WorkloadAvailable');
    expect(fixed?.reason).not.toBe('WorkloadRefused');
  });
});
