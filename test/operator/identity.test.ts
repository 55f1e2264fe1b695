import { CoreV1Api, PatchStrategy, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALLOW_SHARED_REALM_ANNOTATION,
  CRD_GROUP,
  CRD_VERSION,
  ROTATE_SECRET_ANNOTATION,
} from '../../contract/index.js';
import { credentialsSecret, tenant } from '../../dev/tenant-spec.js';
import { CONFIG_HASH_ANNOTATION } from '../../operator/desired.js';
import { FINALIZER } from '../../operator/finalizer.js';
import { createIdentityProvisioner, keycloakTenant } from '../../operator/identity.js';
import { type ReconcileDeps, reconcile } from '../../operator/reconcile.js';
import {
  admin,
  createRealm,
  type KeycloakProxy,
  keycloakAdmin,
  startKeycloakProxy,
  type TestRealm,
} from '../../peers/keycloak-realms.js';
import {
  createTenant,
  reconcileDeps,
  resources,
  startClusterWithCrd,
  type TestCluster,
  testNamespace,
} from './cluster.js';

describe('identity modes through the reconciler', () => {
  let api: TestCluster;
  let realm: TestRealm;
  let proxy: KeycloakProxy;
  let core: CoreV1Api;
  let deps: ReconcileDeps;
  let ns = 'tenant-acme';
  const { target, get, condition } = resources(
    () => deps.custom,
    () => ns,
  );

  beforeAll(async () => {
    const cluster = await startClusterWithCrd();
    api = cluster.api;
    const config = cluster.config;
    ns = await testNamespace(config, ns);
    proxy = await startKeycloakProxy();
    realm = await createRealm('identity');
    core = config.makeApiClient(CoreV1Api);
    deps = reconcileDeps(config, createIdentityProvisioner(core));
    for (const [name, identity] of [
      ['managed', { keycloak: keycloakSpec() }],
      ['byo', { clientSecretRef: { name: 'byo-client' } }],
    ] as const)
      await createTenant(deps.custom, ns, name, {
        apps: ['notes'],
        identity: { issuerUrl: realm.issuer, ...identity },
      });
  });
  afterAll(async () => {
    await api?.stop();
    await proxy?.stop();
    await realm?.delete();
  });
  // The admin API through a proxy the test can cut.
  const keycloakSpec = () => ({
    url: proxy.url,
    realm: realm.name,
    adminCredentialsSecretRef: { name: 'kc-admin' },
  });
  const clientIds = async () =>
    (await (await admin(realm.name)).clients.find())
      .map((client) => client.clientId ?? '')
      .filter((id) => id.startsWith('mcp-'));
  const scopeNames = async () =>
    (await (await admin(realm.name)).clientScopes.find()).map((scope) => scope.name ?? '').sort();

  it('names realm objects so that no two tenants can share them', () => {
    const keyOf = (namespace: string, name: string) =>
      keycloakTenant(tenant(name, { metadata: { namespace } })).key;
    expect(keyOf('a-b', 'c')).not.toBe(keyOf('a', 'b-c'));
  });

  it('reports a missing admin Secret as a spec problem, without retrying', async () => {
    expect(await reconcile(ns, 'managed', deps)).toEqual({ requeue: 'no' });
    expect(await condition('managed', 'IdentityConfigured')).toMatchObject({
      status: 'False',
      reason: 'SecretNotFound',
    });
    expect(await condition('managed', 'Ready')).toMatchObject({ status: 'False', reason: 'SecretNotFound' });
  });

  it('configures the Keycloak realm once the admin Secret exists, and holds a finalizer', async () => {
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: credentialsSecret('kc-admin'), stringData: keycloakAdmin() },
    });
    await reconcile(ns, 'managed', deps);
    expect(await clientIds()).toEqual([`mcp-${ns}.managed`]);
    expect((await get('managed')).metadata.finalizers).toEqual([FINALIZER]);
    expect(await condition('managed', 'IdentityConfigured')).toMatchObject({ status: 'True' });
    const owned = await core.readNamespacedSecret({ name: 'managed-mcp', namespace: ns });
    expect(Buffer.from(owned.data?.clientId ?? '', 'base64').toString()).toBe(`mcp-${ns}.managed`);
  });

  it('backs off while Keycloak is down and says so', async () => {
    await proxy.cut();
    const outcome = await reconcile(ns, 'managed', deps);
    await proxy.restore();
    expect(outcome).toEqual({ requeue: 'backoff' });
    expect(await condition('managed', 'IdentityConfigured')).toMatchObject({
      status: 'False',
      reason: 'IdentityProviderUnavailable',
    });
    expect(await condition('managed', 'Ready')).toMatchObject({ status: 'False' });
    // Back up: the next reconcile configures the realm again.
    await reconcile(ns, 'managed', deps);
    expect(await condition('managed', 'IdentityConfigured')).toMatchObject({ status: 'True' });
  });

  it('uses a client the user brings, managing nothing at the IdP', async () => {
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: credentialsSecret('byo-client'),
        stringData: { clientId: 'my-client', clientSecret: 'my-secret' },
      },
    });
    await reconcile(ns, 'byo', deps);
    expect((await get('byo')).metadata.finalizers ?? []).toEqual([]);
    expect((await get('byo')).status?.clientId).toBe('my-client');
  });

  // The resource's author may not read the namespace's Secrets: naming one must not let them use
  // it (send Keycloak admin credentials to a URL of theirs, copy a secret into a pod of theirs).
  it('refuses a Secret its owner did not mark for the operator, and copies nothing out of it', async () => {
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'database' }, stringData: { clientId: 'db', clientSecret: 'db-password' } },
    });
    for (const [name, identity] of [
      ['unmarked-byo', { clientSecretRef: { name: 'database' } }],
      ['unmarked-kc', { keycloak: { ...keycloakSpec(), adminCredentialsSecretRef: { name: 'database' } } }],
      ['unmarked-reg', { registration: { initialAccessTokenSecretRef: { name: 'database' } } }],
    ] as const) {
      await createTenant(deps.custom, ns, name, { identity: { issuerUrl: realm.issuer, ...identity } });
      expect(await reconcile(ns, name, deps)).toEqual({ requeue: 'no' });
      expect(await condition(name, 'IdentityConfigured')).toMatchObject({
        status: 'False',
        reason: 'SecretNotMarked',
        message: `Secret ${ns}/database is not labelled nextcloud-mcp.io/credentials=true; its owner must label it for the operator to use it`,
      });
      await expect(core.readNamespacedSecret({ name: `${name}-mcp`, namespace: ns })).rejects.toMatchObject({
        code: 404,
      });
      await deps.custom.deleteNamespacedCustomObject(target(name));
      await reconcile(ns, name, deps);
    }
  });

  it('follows a change of apps: new tool scopes in the realm, a new Deployment config, pods roll', async () => {
    const apps = deps.objects;
    const deployment = () =>
      apps.read({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'managed-mcp', namespace: ns },
      });
    const hashOf = async () =>
      ((await deployment()) as V1Deployment).spec?.template.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
    const appsEnv = async () =>
      ((await deployment()) as V1Deployment).spec?.template.spec?.containers[0]?.env?.find(
        (e) => e.name === 'APPS',
      )?.value;
    const hash = await hashOf();
    expect(await scopeNames()).not.toContain('files:read');
    const current = await get('managed');
    await deps.custom.replaceNamespacedCustomObject({
      ...target('managed'),
      body: { ...current, spec: { ...current.spec, apps: ['notes', 'files'] } },
    });
    await reconcile(ns, 'managed', deps);
    expect(await scopeNames()).toEqual(
      expect.arrayContaining(['files:read', 'files:write', 'notes:read', 'notes:write']),
    );
    expect(await appsEnv()).toBe('notes,files');
    expect(await hashOf()).not.toBe(hash);
    expect((await get('managed')).status?.observedGeneration).toBe(
      (await get('managed')).metadata.generation,
    );
  });

  it('rotates the Keycloak client secret once per annotation value, and the owned Secret follows', async () => {
    const secretOf = async () =>
      (await core.readNamespacedSecret({ name: 'managed-mcp', namespace: ns })).data?.clientSecret;
    const before = await secretOf();
    const annotate = (value: string) =>
      deps.objects.patch(
        {
          apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
          kind: 'NextcloudMcp',
          metadata: { name: 'managed', namespace: ns, annotations: { [ROTATE_SECRET_ANNOTATION]: value } },
        },
        undefined,
        undefined,
        'test',
        undefined,
        PatchStrategy.MergePatch,
      );
    await annotate('one');
    await reconcile(ns, 'managed', deps);
    const rotated = await secretOf();
    expect(rotated).not.toBe(before);
    const kc = await admin(realm.name);
    const [client] = await kc.clients.find({ clientId: `mcp-${ns}.managed` });
    const inKeycloak = await kc.clients.getClientSecret({ id: client?.id ?? '' });
    expect(Buffer.from(rotated ?? '', 'base64').toString()).toBe(inKeycloak.value);
    await reconcile(ns, 'managed', deps);
    expect(await secretOf()).toBe(rotated);
  });

  it("refuses a second tenant in the same realm unless allowed, since they would accept each other's tokens", async () => {
    await createTenant(deps.custom, ns, 'second', {
      apps: ['notes'],
      identity: { issuerUrl: realm.issuer, keycloak: keycloakSpec() },
    });
    expect(await reconcile(ns, 'second', deps)).toEqual({ requeue: 'no' });
    const refused = await condition('second', 'IdentityConfigured');
    expect(refused).toMatchObject({ status: 'False', reason: 'RealmShared' });
    expect(refused?.message).toContain(`${ns}.managed`);
    expect(await clientIds()).not.toContain(`mcp-${ns}.second`);
    const current = await get('second');
    await deps.custom.replaceNamespacedCustomObject({
      ...target('second'),
      body: {
        ...current,
        metadata: { ...current.metadata, annotations: { [ALLOW_SHARED_REALM_ANNOTATION]: 'true' } },
      },
    });
    await reconcile(ns, 'second', deps);
    expect(await condition('second', 'IdentityConfigured')).toMatchObject({ status: 'True' });
    await deps.custom.deleteNamespacedCustomObject(target('second'));
    await reconcile(ns, 'second', deps);
  });

  it('reports a realm without the Nextcloud audience client as a refusal, never Ready', async () => {
    await createTenant(
      deps.custom,
      ns,
      'noaudience',
      {
        nextcloud: { url: 'https://cloud.acme.example', audience: 'no-such-client' },
        apps: ['notes'],
        identity: { issuerUrl: realm.issuer, keycloak: keycloakSpec() },
      },
      { annotations: { [ALLOW_SHARED_REALM_ANNOTATION]: 'true' } },
    );
    expect(await reconcile(ns, 'noaudience', deps)).toEqual({ requeue: 'no' });
    const identity = await condition('noaudience', 'IdentityConfigured');
    expect(identity).toMatchObject({ status: 'False', reason: 'IdentityProviderRejected' });
    expect(identity?.message).toMatch(/no enabled client "no-such-client".*Audience not found/);
    expect(await condition('noaudience', 'Ready')).toMatchObject({ status: 'False' });
    expect(await clientIds()).not.toContain(`mcp-${ns}.noaudience`);
    await deps.custom.deleteNamespacedCustomObject(target('noaudience'));
    await reconcile(ns, 'noaudience', deps);
  });

  it('holds the admin Secret while it may need it for cleanup, and lets it go with the resource', async () => {
    const held = async () =>
      (await core.readNamespacedSecret({ name: 'kc-admin', namespace: ns })).metadata?.finalizers ?? [];
    await reconcile(ns, 'managed', deps);
    expect(await held()).toContain('managed.nextcloud-mcp.io/cleanup');
  });

  it('removes the realm objects it created when the resource is deleted', async () => {
    await deps.custom.deleteNamespacedCustomObject(target('managed'));
    expect(await reconcile(ns, 'managed', deps)).toEqual({ requeue: 'no' });
    expect(
      (await core.readNamespacedSecret({ name: 'kc-admin', namespace: ns })).metadata?.finalizers ?? [],
    ).not.toContain('managed.nextcloud-mcp.io/cleanup');
    expect(await clientIds()).toEqual([]);
    expect((await scopeNames()).filter((name) => name.includes(':') || name.startsWith('mcp-'))).toEqual([]);
  });

  it('lets a held Secret go when the spec no longer needs it for cleanup (another identity mode)', async () => {
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: credentialsSecret('kc-admin-2'), stringData: keycloakAdmin() },
    });
    await createTenant(
      deps.custom,
      ns,
      'switching',
      {
        apps: ['notes'],
        identity: {
          issuerUrl: realm.issuer,
          keycloak: { ...keycloakSpec(), adminCredentialsSecretRef: { name: 'kc-admin-2' } },
        },
      },
      { annotations: { [ALLOW_SHARED_REALM_ANNOTATION]: 'true' } },
    );
    const finalizers = async () =>
      (await core.readNamespacedSecret({ name: 'kc-admin-2', namespace: ns })).metadata?.finalizers ?? [];
    await reconcile(ns, 'switching', deps);
    expect(await finalizers()).toEqual(['switching.nextcloud-mcp.io/cleanup']);
    const current = await get('switching');
    await deps.custom.replaceNamespacedCustomObject({
      ...target('switching'),
      body: {
        ...current,
        spec: {
          ...current.spec,
          identity: { issuerUrl: realm.issuer, clientSecretRef: { name: 'byo-client' } },
        },
      },
    });
    await reconcile(ns, 'switching', deps);
    expect(await finalizers()).toEqual([]);
  });
});
