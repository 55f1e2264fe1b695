import {
  ApiException,
  AppsV1Api,
  type KubeConfig,
  PatchStrategy,
  type V1Ingress,
  type V1Secret,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../../contract/index.js';
import { tenant } from '../../dev/tenant-spec.js';
import { FIELD_MANAGER } from '../../operator/desired.js';
import { FINALIZER } from '../../operator/finalizer.js';
import type { IdentityProvisioner } from '../../operator/identity.js';
import { type ReconcileDeps, reconcile } from '../../operator/reconcile.js';
import {
  eventually,
  makePodsReady,
  reconcileDeps,
  startClusterWithCrd,
  type TestCluster,
  testNamespace,
} from './cluster.js';

describe('reconciling a NextcloudMcp', () => {
  let api: TestCluster;
  let config: KubeConfig;
  let deps: ReconcileDeps;
  let apps: AppsV1Api;
  const cleanups: string[] = [];
  let ns = 'tenant-reconcile';
  const target = () => ({
    group: CRD_GROUP,
    version: CRD_VERSION,
    plural: CRD_PLURAL,
    namespace: ns,
    name: 'acme',
  });

  const identity: IdentityProvisioner = {
    ensure: async () => ({
      rotated: false,
      client: { id: 'mcp-tenant-reconcile-acme', secret: 'client-secret' },
    }),
    cleanup: async (resource) => {
      cleanups.push(resource.metadata.name);
    },
  };

  beforeAll(async () => {
    const cluster = await startClusterWithCrd();
    api = cluster.api;
    config = cluster.config;
    ns = await testNamespace(config, ns);
    apps = config.makeApiClient(AppsV1Api);
    deps = {
      ...reconcileDeps(config, identity),
      tenantImages: ['registry.example/nextcloud-mcp:2'],
      ingressDomains: ['acme.example'],
    };
    await deps.custom.createNamespacedCustomObject({
      ...target(),
      body: tenant('acme', {
        spec: {
          identity: {
            issuerUrl: 'https://sso.example/realms/acme',
            keycloak: { realm: 'acme', adminCredentialsSecretRef: { name: 'kc' } },
          },
        },
      }),
    });
  });
  afterAll(async () => {
    await api?.stop();
  });

  const get = async () => (await deps.custom.getNamespacedCustomObject(target())) as NextcloudMcp;

  it('creates every owned object, adds its finalizer and reports status', async () => {
    expect(await reconcile(ns, 'acme', deps)).toEqual({ requeue: 'after', ms: 10_000 });
    const deployment = await apps.readNamespacedDeployment({ name: 'acme-mcp', namespace: ns });
    expect(deployment.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['proxy', 'server']);
    const resource = await get();
    expect(resource.metadata.finalizers).toEqual([FINALIZER]);
    expect(resource.status).toMatchObject({
      endpoint: 'https://mcp.acme.example/mcp',
      clientId: 'mcp-tenant-reconcile-acme',
    });
    expect(resource.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ReplicasUnavailable',
    });
  });

  it('writes nothing when reconciled again with nothing changed', async () => {
    const writes = api.writes;
    expect(await reconcile(ns, 'acme', deps)).toEqual({ requeue: 'after', ms: 10_000 });
    expect(api.writes).toBe(writes);
  });

  it('turns Ready once its pods are, and then writes nothing on resync', async () => {
    await makePodsReady(config, ns, 'acme-mcp');
    expect(await reconcile(ns, 'acme', deps)).toEqual({ requeue: 'no' });
    expect((await get()).status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const writes = api.writes;
    expect(await reconcile(ns, 'acme', deps)).toEqual({ requeue: 'no' });
    expect(api.writes).toBe(writes);
  });

  it('repairs drift in an owned object', async () => {
    const deployment = await apps.readNamespacedDeployment({ name: 'acme-mcp', namespace: ns });
    await apps.replaceNamespacedDeployment({
      name: 'acme-mcp',
      namespace: ns,
      body: { ...deployment, spec: { ...deployment.spec, replicas: 7 } as typeof deployment.spec & object },
    });
    await reconcile(ns, 'acme', deps);
    expect((await apps.readNamespacedDeployment({ name: 'acme-mcp', namespace: ns })).spec?.replicas).toBe(1);
  });

  it("passes spec.excludedTags, as the API server stored them, to the server container's EXCLUDED_TAGS", async () => {
    const current = await get();
    await deps.custom.replaceNamespacedCustomObject({
      ...target(),
      body: { ...current, spec: { ...current.spec, excludedTags: ['private', 'HR only'] } },
    });
    await reconcile(ns, 'acme', deps);
    const deployment = await apps.readNamespacedDeployment({ name: 'acme-mcp', namespace: ns });
    const server = deployment.spec?.template.spec?.containers.find((c) => c.name === 'server');
    expect(server?.env).toContainEqual({ name: 'EXCLUDED_TAGS', value: 'private,HR only' });
  });

  it('removes the PodDisruptionBudget it made when replicas go back to one, and never what it did not make', async () => {
    const pdb = {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'acme-mcp', namespace: ns },
    };
    const foreign = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'acme-mcp', namespace: ns },
      spec: { rules: [{ host: 'someone-else.example' }] },
    };
    await deps.objects.create(foreign);
    const scale = async (replicas: number) => {
      const current = await get();
      await deps.custom.replaceNamespacedCustomObject({
        ...target(),
        body: { ...current, spec: { ...current.spec, replicas } },
      });
      await reconcile(ns, 'acme', deps);
    };
    await scale(2);
    expect((await deps.objects.read(pdb)).metadata?.name).toBe('acme-mcp');
    await scale(1);
    await expect(deps.objects.read(pdb)).rejects.toMatchObject({ code: 404 });
    expect((await deps.objects.read(foreign)).metadata?.ownerReferences).toBeUndefined();
    await deps.objects.delete(foreign);
  });

  it('drops from an owned object what the spec no longer asks for (Ingress TLS, an old Secret key)', async () => {
    const ingress = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'acme-mcp', namespace: ns },
    };
    const setIngress = async (value: object | undefined) => {
      const current = await get();
      await deps.custom.replaceNamespacedCustomObject({
        ...target(),
        body: { ...current, spec: { ...current.spec, ingress: value } },
      });
      await reconcile(ns, 'acme', deps);
    };
    await setIngress({ className: 'nginx', tlsSecretName: 'acme-tls' });
    expect(((await deps.objects.read(ingress)) as V1Ingress).spec?.tls?.[0]?.secretName).toBe('acme-tls');
    await setIngress({ className: 'nginx' });
    expect(((await deps.objects.read(ingress)) as V1Ingress).spec?.tls).toBeUndefined();
    await setIngress(undefined);

    // A key an earlier operator version wrote, under the operator's own field manager (and, as
    // every version did, with the resource as controller).
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'acme-mcp', namespace: ns } };
    const { ownerReferences } = (await deps.objects.read(secret)).metadata ?? {};
    await deps.objects.patch(
      {
        ...secret,
        metadata: { ...secret.metadata, ownerReferences },
        data: { legacyKey: Buffer.from('old').toString('base64') },
      },
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
    await reconcile(ns, 'acme', deps);
    expect(Object.keys(((await deps.objects.read(secret)) as V1Secret).data ?? {}).sort()).toEqual([
      'clientId',
      'clientSecret',
    ]);
  });

  it('adopts no namesake it did not create: a conflict condition, and the object is left as it was', async () => {
    const foreign = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'squatter-mcp', namespace: ns },
      data: { password: Buffer.from('unrelated').toString('base64') },
    };
    await deps.objects.create(foreign);
    await deps.custom.createNamespacedCustomObject({
      ...target(),
      body: tenant('squatter', { spec: (await get()).spec }),
    });
    expect(await reconcile(ns, 'squatter', deps)).toEqual({ requeue: 'backoff' });
    const resource = (await deps.custom.getNamespacedCustomObject({
      ...target(),
      name: 'squatter',
    })) as NextcloudMcp;
    expect(resource.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'NameConflict',
      message:
        'Secret squatter-mcp already exists and this resource did not create it; the operator leaves it untouched. Remove or rename it, or rename this resource',
    });
    const after = (await deps.objects.read(foreign)) as V1Secret;
    expect(after.metadata?.ownerReferences).toBeUndefined();
    expect(after.data).toEqual(foreign.data);
    await expect(
      apps.readNamespacedDeployment({ name: 'squatter-mcp', namespace: ns }),
    ).rejects.toMatchObject({
      code: 404,
    });

    // The same for any other owned kind, here once the Secret is the operator's.
    await deps.objects.delete(foreign);
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'squatter-mcp', namespace: ns } };
    await deps.objects.create({ ...service, spec: { ports: [{ port: 5432 }] } });
    expect(await reconcile(ns, 'squatter', deps)).toEqual({ requeue: 'backoff' });
    expect((await deps.objects.read(service)).metadata?.ownerReferences).toBeUndefined();
    await deps.objects.delete(service);
  });

  it('runs no image the platform team did not allow, and says which it allows', async () => {
    await deps.custom.createNamespacedCustomObject({
      ...target(),
      body: tenant('imaged', { spec: { ...(await get()).spec, image: 'attacker.example/steal:1' } }),
    });
    expect(await reconcile(ns, 'imaged', deps)).toEqual({ requeue: 'no' });
    const resource = (await deps.custom.getNamespacedCustomObject({
      ...target(),
      name: 'imaged',
    })) as NextcloudMcp;
    expect(resource.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ImageNotAllowed',
      message:
        'image attacker.example/steal:1 is not one the operator may run; allowed: registry.example/nextcloud-mcp:1, registry.example/nextcloud-mcp:2 (chart value tenantImages)',
    });
    await expect(apps.readNamespacedDeployment({ name: 'imaged-mcp', namespace: ns })).rejects.toMatchObject({
      code: 404,
    });
  });

  it('claims no ingress host outside the allowed domains, and writes nothing for it', async () => {
    await deps.custom.createNamespacedCustomObject({
      ...target(),
      body: tenant('hosted', { spec: { ...(await get()).spec, ingress: { host: 'evil-acme.example' } } }),
    });
    expect(await reconcile(ns, 'hosted', deps)).toEqual({ requeue: 'no' });
    const resource = (await deps.custom.getNamespacedCustomObject({
      ...target(),
      name: 'hosted',
    })) as NextcloudMcp;
    expect(resource.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'HostNotAllowed',
      message:
        'ingress host evil-acme.example is neither one of nor under the domains the platform team allows (acme.example; chart value tenantIngressDomains)',
    });
    for (const kind of ['Secret', 'Service'])
      await expect(
        deps.objects.read({ apiVersion: 'v1', kind, metadata: { name: 'hosted-mcp', namespace: ns } }),
      ).rejects.toMatchObject({ code: 404 });
  });

  it("reconciles a name at the CRD's length limit in full", async () => {
    const name = 'a'.repeat(59);
    await deps.custom.createNamespacedCustomObject({
      ...target(),
      body: tenant(name, { spec: (await get()).spec }),
    });
    await reconcile(ns, name, deps);
    for (const kind of ['ServiceAccount', 'Secret', 'Service', 'NetworkPolicy'])
      expect(
        (
          await deps.objects.read({
            apiVersion: kind === 'NetworkPolicy' ? 'networking.k8s.io/v1' : 'v1',
            kind,
            metadata: { name: `${name}-mcp`, namespace: ns },
          })
        ).metadata?.name,
      ).toBe(`${name}-mcp`);
    expect((await apps.readNamespacedDeployment({ name: `${name}-mcp`, namespace: ns })).metadata?.name).toBe(
      `${name}-mcp`,
    );
  });

  it('on delete cleans the IdP up, releases the finalizer, and the owned objects go with it', async () => {
    await deps.custom.deleteNamespacedCustomObject(target());
    expect(await reconcile(ns, 'acme', deps)).toEqual({ requeue: 'no' });
    expect(cleanups).toEqual(['acme']);
    await expect(deps.custom.getNamespacedCustomObject(target())).rejects.toBeInstanceOf(ApiException);
    // The garbage collector deletes them in the background.
    await eventually(() =>
      apps.readNamespacedDeployment({ name: 'acme-mcp', namespace: ns }).then(
        () => undefined,
        (error: unknown) => (error instanceof ApiException && error.code === 404 ? true : undefined),
      ),
    );
  });
});
