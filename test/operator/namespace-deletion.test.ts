import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsSecret } from '../../dev/tenant-spec.js';
import { type RunningController, startController } from '../../operator/controller.js';
import {
  admin,
  createRealm,
  initialAccessToken,
  keycloakAdmin,
  type TestRealm,
} from '../../peers/keycloak-realms.js';
import {
  controllerOptions,
  createTenant,
  eventually,
  resources,
  startClusterWithCrd,
  type TestCluster,
} from './cluster.js';

/**
 * A platform team deletes a tenant's whole namespace: the namespace controller deletes the
 * NextcloudMcp together with the Secret holding the Keycloak admin credentials the operator needs
 * to clean up. The namespace must go, and the realm must keep no client of the tenant's.
 */
describe("deleting a tenant's namespace", () => {
  let api: TestCluster;
  let config: KubeConfig;
  let controller: RunningController;
  let realm: TestRealm;
  const ns = `tenant-gone-${Date.now().toString(36)}`;
  const { condition } = resources(
    () => config.makeApiClient(CustomObjectsApi),
    () => ns,
  );
  /** The realm's clients of this namespace's tenants, by client id (keycloak mode) or name (registered). */
  const clients = async () =>
    (await (await admin(realm.name)).clients.find())
      .map((client) => (client.clientId?.startsWith('mcp-') ? client.clientId : client.name))
      .filter((id) => id?.startsWith(`mcp-${ns}`))
      .sort();

  const options = () => controllerOptions(config, { namespace: ns });

  beforeAll(async () => {
    const cluster = await startClusterWithCrd();
    api = cluster.api;
    config = cluster.config;
    realm = await createRealm('namespace-gone');
    const core = config.makeApiClient(CoreV1Api);
    // Not through testNamespace: this suite deletes it itself.
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: credentialsSecret('kc-admin'), stringData: keycloakAdmin() },
    });
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: credentialsSecret('iat'),
        stringData: { token: await initialAccessToken(realm.name) },
      },
    });
    controller = await startController(options());
    await createTenant(config.makeApiClient(CustomObjectsApi), ns, 'acme', {
      identity: {
        issuerUrl: realm.issuer,
        keycloak: { realm: realm.name, adminCredentialsSecretRef: { name: 'kc-admin' } },
      },
    });
    await createTenant(config.makeApiClient(CustomObjectsApi), ns, 'registered', {
      identity: { issuerUrl: realm.issuer, registration: { initialAccessTokenSecretRef: { name: 'iat' } } },
    });
    for (const name of ['acme', 'registered'])
      await eventually(
        async () => ((await condition(name, 'IdentityConfigured'))?.status === 'True' ? true : undefined),
        30_000,
      );
    expect(await clients()).toEqual([`mcp-${ns}.acme`, `mcp-${ns}.registered`]);
  }, 60_000);
  afterAll(async () => {
    await controller?.stop();
    await realm?.delete();
    await api?.stop();
  });

  it('goes away, and the realm keeps no client of the tenant', async () => {
    // The operator lags (here: stopped) while the namespace controller deletes the namespace's
    // Secrets, so the cleanup comes after them, as it may on any busy cluster.
    await controller.stop();
    const core = config.makeApiClient(CoreV1Api);
    await core.deleteNamespace({ name: ns });
    await eventually(
      () =>
        core.readNamespacedSecret({ name: 'iat', namespace: ns }).then(
          () => undefined,
          () => true,
        ),
      30_000,
      'the Secrets deleted',
    );
    controller = await startController(options());
    await eventually(
      () =>
        config
          .makeApiClient(CoreV1Api)
          .readNamespace({ name: ns })
          .then(
            () => undefined,
            () => true,
          ),
      60_000,
      'the namespace gone',
    );
    expect(await clients()).toEqual([]);
  }, 90_000);
});
