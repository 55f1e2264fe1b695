import { CoreV1Api, PatchStrategy, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALLOW_SHARED_REALM_ANNOTATION,
  CRD_GROUP,
  CRD_VERSION,
  type NextcloudMcp,
  ROTATE_SECRET_ANNOTATION,
} from '../../contract/index.js';
import { CONFIG_HASH_ANNOTATION } from '../../operator/desired.js';
import { createIdentityProvisioner, keycloakTenant } from '../../operator/identity.js';
import { FINALIZER, type ReconcileDeps, reconcile } from '../../operator/reconcile.js';
import { type KeycloakStandin, startKeycloakStandin } from '../standins/keycloak.js';
import { reconcileDeps, resources, startClusterWithCrd, type TestCluster, testNamespace } from './cluster.js';

describe('identity modes through the reconciler', () => {
  let api: TestCluster;
  let keycloak: KeycloakStandin;
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
    keycloak = await startKeycloakStandin();
    core = config.makeApiClient(CoreV1Api);
    deps = reconcileDeps(config, createIdentityProvisioner(core));
    const spec = (identity: object) => ({
      nextcloud: { url: 'https://cloud.acme.example' },
      publicUrl: 'https://mcp.acme.example',
      apps: ['notes'],
      identity: { issuerUrl: `${keycloak.url}/realms/acme`, ...identity },
    });
    for (const [name, identity] of [
      ['managed', { keycloak: { realm: 'acme', adminCredentialsSecretRef: { name: 'kc-admin' } } }],
      ['byo', { clientSecretRef: { name: 'byo-client' } }],
    ] as const) {
      await deps.custom.createNamespacedCustomObject({
        ...target(name),
        body: {
          apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
          kind: 'NextcloudMcp',
          metadata: { name },
          spec: spec(identity),
        },
      });
    }
  });
  afterAll(async () => {
    await api?.stop();
    await keycloak?.stop();
  });

  it('names realm objects so that no two tenants can share them', () => {
    const tenant = (namespace: string, name: string) =>
      keycloakTenant({
        metadata: { namespace, name },
        spec: { publicUrl: 'https://x.example', nextcloud: {}, identity: {} },
      } as NextcloudMcp);
    expect(tenant('a-b', 'c').key).not.toBe(tenant('a', 'b-c').key);
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
      body: { metadata: { name: 'kc-admin' }, stringData: keycloak.admin },
    });
    await reconcile(ns, 'managed', deps);
    const clients = [...keycloak.realm('acme').clients.values()].map((client) => client.clientId);
    expect(clients).toEqual([`mcp-${ns}.managed`]);
    expect((await get('managed')).metadata.finalizers).toEqual([FINALIZER]);
    expect(await condition('managed', 'IdentityConfigured')).toMatchObject({ status: 'True' });
    const owned = await core.readNamespacedSecret({ name: 'managed-mcp', namespace: ns });
    expect(Buffer.from(owned.data?.clientId ?? '', 'base64').toString()).toBe(`mcp-${ns}.managed`);
  });

  it('backs off while Keycloak is down and says so', async () => {
    keycloak.fail({ status: 503, times: 1 });
    expect(await reconcile(ns, 'managed', deps)).toEqual({ requeue: 'backoff' });
    expect(await condition('managed', 'IdentityConfigured')).toMatchObject({
      status: 'False',
      reason: 'IdentityProviderUnavailable',
    });
  });

  it('uses a client the user brings, managing nothing at the IdP', async () => {
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: 'byo-client' },
        stringData: { clientId: 'my-client', clientSecret: 'my-secret' },
      },
    });
    await reconcile(ns, 'byo', deps);
    expect((await get('byo')).metadata.finalizers ?? []).toEqual([]);
    expect((await get('byo')).status?.clientId).toBe('my-client');
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
    const scopeNames = () => [...keycloak.realm('acme').scopes.values()].map((scope) => scope.name).sort();
    const hash = await hashOf();
    expect(scopeNames()).not.toContain('files:read');
    const current = await get('managed');
    await deps.custom.replaceNamespacedCustomObject({
      ...target('managed'),
      body: { ...current, spec: { ...current.spec, apps: ['notes', 'files'] } },
    });
    await reconcile(ns, 'managed', deps);
    expect(scopeNames()).toEqual(
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
    const keycloakClient = [...keycloak.realm('acme').clients.values()][0] as { secret?: string } | undefined;
    expect(Buffer.from(rotated ?? '', 'base64').toString()).toBe(keycloakClient?.secret);
    await reconcile(ns, 'managed', deps);
    expect(await secretOf()).toBe(rotated);
  });

  it("refuses a second tenant in the same realm unless allowed, since they would accept each other's tokens", async () => {
    const body = (annotations?: Record<string, string>) => ({
      apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
      kind: 'NextcloudMcp',
      metadata: { name: 'second', ...(annotations ? { annotations } : {}) },
      spec: {
        nextcloud: { url: 'https://cloud.acme.example' },
        publicUrl: 'https://second.mcp.example',
        apps: ['notes'],
        identity: {
          issuerUrl: `${keycloak.url}/realms/acme`,
          keycloak: { realm: 'acme', adminCredentialsSecretRef: { name: 'kc-admin' } },
        },
      },
    });
    await deps.custom.createNamespacedCustomObject({ ...target('second'), body: body() });
    expect(await reconcile(ns, 'second', deps)).toEqual({ requeue: 'no' });
    const refused = await condition('second', 'IdentityConfigured');
    expect(refused).toMatchObject({ status: 'False', reason: 'RealmShared' });
    expect(refused?.message).toContain(`${ns}.managed`);
    expect([...keycloak.realm('acme').clients.values()].map((c) => c.clientId)).not.toContain(
      `mcp-${ns}.second`,
    );
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

  it('removes the realm objects it created when the resource is deleted', async () => {
    await deps.custom.deleteNamespacedCustomObject(target('managed'));
    expect(await reconcile(ns, 'managed', deps)).toEqual({ requeue: 'no' });
    expect(keycloak.realm('acme').clients.size).toBe(0);
    expect(keycloak.realm('acme').scopes.size).toBe(0);
  });
});
