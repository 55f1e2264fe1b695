import { AppsV1Api, CoreV1Api, PatchStrategy } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CRD_GROUP,
  CRD_VERSION,
  ROTATE_SECRET_ANNOTATION,
  SKIP_IDP_CLEANUP_ANNOTATION,
} from '../../contract/index.js';
import { credentialsSecret } from '../../dev/tenant-spec.js';
import { CONFIG_HASH_ANNOTATION } from '../../operator/desired.js';
import { FINALIZER } from '../../operator/finalizer.js';
import { createIdentityProvisioner } from '../../operator/identity.js';
import { type ReconcileDeps, reconcile } from '../../operator/reconcile.js';
import {
  admin,
  createRealm,
  initialAccessToken,
  type KeycloakProxy,
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

/**
 * `registration` mode end to end against Keycloak: RFC 7591 at create, rotation, RFC 7592 at
 * delete, an IdP that is down (the realm's frontend URL is a proxy the test cuts, so discovery,
 * registration and the registration client URI all go through it).
 */
describe('registration mode through the reconciler', () => {
  let api: TestCluster;
  let proxy: KeycloakProxy;
  let realm: TestRealm;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let deps: ReconcileDeps;
  let ns = 'tenant-reg';
  const { target, get, condition } = resources(
    () => deps.custom,
    () => ns,
  );
  const owned = async (name: string) => {
    const secret = await core.readNamespacedSecret({ name: `${name}-mcp`, namespace: ns });
    const value = (key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString();
    return {
      clientId: value('clientId'),
      secret: value('clientSecret'),
      uri: value('registrationClientUri'),
    };
  };
  const podHash = async (name: string) =>
    (await apps.readNamespacedDeployment({ name: `${name}-mcp`, namespace: ns })).spec?.template.metadata
      ?.annotations?.[CONFIG_HASH_ANNOTATION];
  const annotate = (name: string, annotations: Record<string, string>) =>
    deps.objects.patch(
      {
        apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
        kind: 'NextcloudMcp',
        metadata: { name, namespace: ns, annotations },
      },
      undefined,
      undefined,
      'test',
      undefined,
      PatchStrategy.MergePatch,
    );
  /** The client as Keycloak's admin API sees it, or undefined. */
  const atKeycloak = async (clientId: string) =>
    (await (await admin(realm.name)).clients.find({ clientId }))[0];
  const registrations = () =>
    proxy.log.filter((line) => line === `POST /realms/${realm.name}/clients-registrations/openid-connect`)
      .length;
  const events = async (reason: string) =>
    (await core.listNamespacedEvent({ namespace: ns })).items.filter((event) => event.reason === reason);

  const registration = () => ({
    issuerUrl: realm.issuer,
    registration: { initialAccessTokenSecretRef: { name: 'iat' } },
  });

  beforeAll(async () => {
    const cluster = await startClusterWithCrd();
    api = cluster.api;
    ns = await testNamespace(cluster.config, ns);
    proxy = await startKeycloakProxy();
    realm = await createRealm('registration-mode', { frontendUrl: proxy.url });
    core = cluster.config.makeApiClient(CoreV1Api);
    apps = cluster.config.makeApiClient(AppsV1Api);
    deps = reconcileDeps(cluster.config, createIdentityProvisioner(core));
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: credentialsSecret('iat'),
        stringData: { token: await initialAccessToken(realm.name) },
      },
    });
    for (const name of ['reg', 'stuck'])
      await createTenant(deps.custom, ns, name, { identity: registration() });
  });
  afterAll(async () => {
    await api?.stop();
    await realm?.delete();
    await proxy?.stop();
  });

  it('registers the proxy client once, keeping the registration in the owned Secret', async () => {
    await reconcile(ns, 'reg', deps);
    const client = await owned('reg');
    expect(await atKeycloak(client.clientId)).toBeDefined();
    expect(client.uri).toBe(`${realm.issuer}/clients-registrations/openid-connect/${client.clientId}`);
    expect((await get('reg')).metadata.finalizers).toEqual([FINALIZER]);
    expect(await condition('reg', 'IdentityConfigured')).toMatchObject({ status: 'True' });
    const registered = registrations();
    await reconcile(ns, 'reg', deps);
    expect(registrations()).toBe(registered);
  });

  it('rotates on request: the old client is deleted, a new one stored, and the pods roll', async () => {
    const before = await owned('reg');
    const hash = await podHash('reg');
    await annotate('reg', { [ROTATE_SECRET_ANNOTATION]: '2026-11-23T07:00:00Z' });
    await reconcile(ns, 'reg', deps);
    const after = await owned('reg');
    expect(after.clientId).not.toBe(before.clientId);
    expect(await atKeycloak(before.clientId)).toBeUndefined();
    expect(await atKeycloak(after.clientId)).toBeDefined();
    expect(await podHash('reg')).not.toBe(hash);
    expect(await events('ClientSecretRotated')).toHaveLength(1);
    // The same request is carried out once.
    const registered = registrations();
    await reconcile(ns, 'reg', deps);
    expect(registrations()).toBe(registered);
  });

  it('deletes the client at the IdP (RFC 7592) when the resource goes', async () => {
    const { clientId } = await owned('reg');
    await deps.custom.deleteNamespacedCustomObject(target('reg'));
    expect(await reconcile(ns, 'reg', deps)).toEqual({ requeue: 'no' });
    expect(await atKeycloak(clientId)).toBeUndefined();
    await expect(get('reg')).rejects.toMatchObject({ code: 404 });
  });

  it('keeps the finalizer while the IdP is down, says why and how to force it, and recovers', async () => {
    await reconcile(ns, 'stuck', deps);
    const { clientId } = await owned('stuck');
    await deps.custom.deleteNamespacedCustomObject(target('stuck'));
    await proxy.cut();
    expect(await reconcile(ns, 'stuck', deps)).toEqual({ requeue: 'backoff' });
    const stuck = await get('stuck');
    expect(stuck.metadata.finalizers).toEqual([FINALIZER]);
    const identity = await condition('stuck', 'IdentityConfigured');
    expect(identity).toMatchObject({ status: 'False', reason: 'CleanupFailed' });
    expect(identity?.message).toContain(`${SKIP_IDP_CLEANUP_ANNOTATION}=true`);
    expect(await condition('stuck', 'Ready')).toMatchObject({ status: 'False', reason: 'CleanupFailed' });
    expect(await events('CleanupFailed')).toHaveLength(1);
    // Retrying while still down says the same thing once: no new Event.
    await reconcile(ns, 'stuck', deps);
    expect(await events('CleanupFailed')).toHaveLength(1);
    await proxy.restore();
    expect(await reconcile(ns, 'stuck', deps)).toEqual({ requeue: 'no' });
    expect(await atKeycloak(clientId)).toBeUndefined();
    await expect(get('stuck')).rejects.toMatchObject({ code: 404 });
  });

  it('releases the finalizer without cleanup when the escape-hatch annotation is set', async () => {
    await createTenant(deps.custom, ns, 'gone', { identity: registration() });
    await reconcile(ns, 'gone', deps);
    const { clientId } = await owned('gone');
    await deps.custom.deleteNamespacedCustomObject(target('gone'));
    await proxy.cut();
    expect(await reconcile(ns, 'gone', deps)).toEqual({ requeue: 'backoff' });
    await annotate('gone', { [SKIP_IDP_CLEANUP_ANNOTATION]: 'true' });
    expect(await reconcile(ns, 'gone', deps)).toEqual({ requeue: 'no' });
    await proxy.restore();
    await expect(get('gone')).rejects.toMatchObject({ code: 404 });
    // Left at the IdP, as the annotation says.
    expect(await atKeycloak(clientId)).toBeDefined();
    expect(await events('IdentityCleanupSkipped')).toHaveLength(1);
  });
});
