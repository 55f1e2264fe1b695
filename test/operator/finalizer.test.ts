import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesConflict, SecretNotFound } from '../../operator/errors.js';
import { addFinalizer, FINALIZER, removeFinalizer } from '../../operator/finalizer.js';
import type { IdentityProvisioner } from '../../operator/identity.js';
import type { ObjectReader } from '../../operator/object-cache.js';
import { type ReconcileDeps, reconcile } from '../../operator/reconcile.js';
import {
  createTenant,
  reconcileDeps,
  resources,
  startClusterWithCrd,
  type TestCluster,
  testNamespace,
} from './cluster.js';

/** Another controller's finalizer on the same resources. */
const THEIRS = 'backup.example.com/snapshot';

describe('the finalizer', () => {
  let api: TestCluster;
  let config: KubeConfig;
  let deps: ReconcileDeps;
  let ns = 'tenant-finalizer';
  const { target, get } = resources(
    () => deps.custom,
    () => ns,
  );
  /** What the resource's finalizers were when the IdP was first called, per resource. */
  const seenByIdp = new Map<string, string[]>();
  const identity: IdentityProvisioner = {
    async ensure(resource) {
      const { name } = resource.metadata;
      if (!seenByIdp.has(name)) seenByIdp.set(name, [...((await get(name)).metadata.finalizers ?? [])]);
      return { rotated: false, client: { id: `mcp-${name}`, secret: 'secret' } };
    },
    cleanup: async () => undefined,
  };
  const managed = {
    issuerUrl: 'https://sso.example/realms/acme',
    keycloak: { realm: 'acme', adminCredentialsSecretRef: { name: 'kc' } },
  };
  const setFinalizers = async (name: string, finalizers: string[]) => {
    const current = await get(name);
    await deps.custom.replaceNamespacedCustomObject({
      ...target(name),
      body: { ...current, metadata: { ...current.metadata, finalizers } },
    });
  };

  beforeAll(async () => {
    const cluster = await startClusterWithCrd();
    api = cluster.api;
    config = cluster.config;
    ns = await testNamespace(config, ns);
    deps = reconcileDeps(config, identity);
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('is in place before the IdP is first called', async () => {
    await createTenant(deps.custom, ns, 'first', { identity: managed });
    await reconcile(ns, 'first', deps);
    expect(seenByIdp.get('first')).toEqual([FINALIZER]);
  });

  it("leaves another controller's finalizer alone when adding and removing its own", async () => {
    await createTenant(deps.custom, ns, 'shared', { identity: managed });
    await setFinalizers('shared', [THEIRS]);
    await reconcile(ns, 'shared', deps);
    expect((await get('shared')).metadata.finalizers).toEqual([THEIRS, FINALIZER]);
    await deps.custom.deleteNamespacedCustomObject(target('shared'));
    expect(await reconcile(ns, 'shared', deps)).toEqual({ requeue: 'no' });
    expect((await get('shared')).metadata.finalizers).toEqual([THEIRS]);
    await setFinalizers('shared', []);
  });

  it('lets a resource whose IdP was never configured go, instead of holding it for a cleanup', async () => {
    const missing = () => new SecretNotFound(`Secret ${ns}/kc does not exist`);
    const unconfigured = reconcileDeps(config, {
      ensure: async () => Promise.reject(missing()),
      cleanup: async () => Promise.reject(missing()),
    });
    await createTenant(deps.custom, ns, 'never', { identity: managed });
    await reconcile(ns, 'never', unconfigured);
    expect((await get('never')).metadata.finalizers).toEqual([FINALIZER]);
    await deps.custom.deleteNamespacedCustomObject(target('never'));
    await reconcile(ns, 'never', unconfigured);
    await expect(get('never')).rejects.toThrow();

    // Once a client id was reported, the same missing Secret holds the deletion: something may be there.
    await createTenant(deps.custom, ns, 'configured', { identity: managed });
    await reconcile(ns, 'configured', deps);
    expect((await get('configured')).status?.clientId).toBe('mcp-configured');
    await deps.custom.deleteNamespacedCustomObject(target('configured'));
    await reconcile(ns, 'configured', unconfigured);
    const held = await get('configured');
    expect(held.metadata.finalizers).toEqual([FINALIZER]);
    expect(held.status?.conditions?.find((c) => c.type === 'IdentityConfigured')?.reason).toBe(
      'CleanupFailed',
    );
    await reconcile(ns, 'configured', deps);
  });

  it('fails as a conflict, losing nothing, when the finalizers changed since they were read', async () => {
    await createTenant(deps.custom, ns, 'raced', { identity: managed });
    const stale = await get('raced');
    await setFinalizers('raced', [THEIRS]);
    await expect(addFinalizer(deps.custom, stale)).rejects.toBeInstanceOf(KubernetesConflict);
    expect((await get('raced')).metadata.finalizers).toEqual([THEIRS]);

    const ours = await addFinalizer(deps.custom, await get('raced'));
    expect(ours.metadata.finalizers).toEqual([THEIRS, FINALIZER]);
    // Theirs goes first: ours moves to index 0, and a removal at the index read would remove nothing else.
    await setFinalizers('raced', [FINALIZER]);
    await expect(removeFinalizer(deps.custom, ours)).rejects.toBeInstanceOf(KubernetesConflict);
    expect((await get('raced')).metadata.finalizers).toEqual([FINALIZER]);
    await removeFinalizer(deps.custom, await get('raced'));
    expect((await get('raced')).metadata.finalizers).toBeUndefined();
  });

  it('is not touched, nor the IdP, by a reconcile that read a stale resource', async () => {
    await createTenant(deps.custom, ns, 'stale', { identity: managed });
    const before = await get('stale');
    await setFinalizers('stale', [THEIRS]);
    const staleReader: ObjectReader = {
      read: async <T extends KubernetesObject>(ref: KubernetesObject) =>
        ref.kind === 'NextcloudMcp' ? (before as unknown as T) : undefined,
    };
    await expect(reconcile(ns, 'stale', { ...deps, reader: staleReader })).rejects.toBeInstanceOf(
      KubernetesConflict,
    );
    expect(seenByIdp.has('stale')).toBe(false);
    expect((await get('stale')).metadata.finalizers).toEqual([THEIRS]);
    // The retry reads what is there now.
    await reconcile(ns, 'stale', deps);
    expect((await get('stale')).metadata.finalizers).toEqual([THEIRS, FINALIZER]);
    expect(seenByIdp.get('stale')).toEqual([THEIRS, FINALIZER]);
  });
});
