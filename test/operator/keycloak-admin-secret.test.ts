import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALLOW_SHARED_REALM_ANNOTATION } from '../../contract/index.js';
import { credentialsSecret } from '../../dev/tenant-spec.js';
import { createIdentityProvisioner } from '../../operator/identity.js';
import { ADMIN_ROLES, type KeycloakCredentials } from '../../operator/keycloak-credentials.js';
import { type ReconcileDeps, reconcile } from '../../operator/reconcile.js';
import { createRealm, type TestRealm } from '../../peers/keycloak-realms.js';
import {
  createTenant,
  reconcileDeps,
  resources,
  startClusterWithCrd,
  type TestCluster,
  testNamespace,
} from './cluster.js';
import { realmUser, serviceAccount } from './keycloak-accounts.js';

/** The admin Secret's keys as a tenant's owner writes them. */
const secretKeys = (credentials: KeycloakCredentials): Record<string, string> =>
  'clientId' in credentials
    ? { clientId: credentials.clientId, clientSecret: credentials.clientSecret }
    : { username: credentials.username, password: credentials.password, realm: credentials.realm ?? '' };

describe("Keycloak mode with an admin Secret of the tenant's own realm", () => {
  let api: TestCluster;
  let realm: TestRealm;
  let core: CoreV1Api;
  let deps: ReconcileDeps;
  let ns = 'tenant-narrow';
  const { condition } = resources(
    () => deps.custom,
    () => ns,
  );

  beforeAll(async () => {
    const cluster = await startClusterWithCrd();
    api = cluster.api;
    ns = await testNamespace(cluster.config, ns);
    realm = await createRealm('operator-secret');
    core = cluster.config.makeApiClient(CoreV1Api);
    deps = reconcileDeps(cluster.config, createIdentityProvisioner(core));
  });
  afterAll(async () => {
    await api?.stop();
    await realm?.delete();
  });

  /** A tenant whose admin Secret holds `keys`, sharing the one realm with the others; reconciled once. */
  async function tenantWith(name: string, keys: Record<string, string>) {
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: credentialsSecret(`${name}-admin`), stringData: keys },
    });
    await createTenant(
      deps.custom,
      ns,
      name,
      {
        apps: ['notes'],
        identity: {
          issuerUrl: realm.issuer,
          keycloak: { realm: realm.name, adminCredentialsSecretRef: { name: `${name}-admin` } },
        },
      },
      { annotations: { [ALLOW_SHARED_REALM_ANNOTATION]: 'true' } },
    );
    return reconcile(ns, name, deps);
  }

  it("configures the realm with a service account's client id and secret", async () => {
    await tenantWith('sa', secretKeys(await serviceAccount(realm.name, ADMIN_ROLES)));
    expect(await condition('sa', 'IdentityConfigured')).toMatchObject({ status: 'True' });
  });

  it("configures the realm with a user of the tenant's realm named by the realm key", async () => {
    await tenantWith('user', secretKeys(await realmUser(realm.name, ADMIN_ROLES)));
    expect(await condition('user', 'IdentityConfigured')).toMatchObject({ status: 'True' });
  });

  it('reports a role too few as the refusal it is, naming the roles, without retrying', async () => {
    const narrow = await serviceAccount(realm.name, ['manage-clients']);
    expect(await tenantWith('narrow', secretKeys(narrow))).toEqual({ requeue: 'no' });
    const reported = await condition('narrow', 'IdentityConfigured');
    expect(reported).toMatchObject({ status: 'False', reason: 'IdentityProviderRejected' });
    expect(reported?.message).toMatch(
      /needs manage-clients and manage-realm over realm .*HTTP 403 at \/admin/,
    );
    expect(reported?.message).not.toContain('clientSecret' in narrow ? narrow.clientSecret : '');
  });

  it('reports a Secret of neither shape by the keys it lacks, never by its values', async () => {
    expect(await tenantWith('neither', { user: 'someone', token: 'not-a-password' })).toEqual({
      requeue: 'no',
    });
    const reported = await condition('neither', 'IdentityConfigured');
    expect(reported).toMatchObject({ status: 'False', reason: 'SecretKeyMissing' });
    expect(reported?.message).toMatch(
      /no key "username", "password": it needs "clientId" and "clientSecret"/,
    );
    expect(reported?.message).not.toContain('not-a-password');
    await tenantWith('half', { clientId: 'operator' });
    expect(await condition('half', 'IdentityConfigured')).toMatchObject({
      reason: 'SecretKeyMissing',
      message: `Secret ${ns}/half-admin has no key "clientSecret": a service account needs "clientId" and "clientSecret"`,
    });
  });
});
