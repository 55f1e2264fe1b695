import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperatorError } from '../../operator/errors.js';
import { deleteRegisteredClient, registerProxyClient } from '../../operator/registration.js';
import {
  admin,
  createRealm,
  initialAccessToken,
  type KeycloakProxy,
  startKeycloakProxy,
  type TestRealm,
} from '../../peers/keycloak-realms.js';

/** RFC 7591 / 7592 at Keycloak's own registration endpoint, reached through a proxy the test can cut. */
describe('RFC 7591 registration at Keycloak', () => {
  let proxy: KeycloakProxy;
  let realm: TestRealm;
  let token: string;
  const clientOf = async (clientId: string) =>
    (await (await admin(realm.name)).clients.find({ clientId }))[0];

  beforeAll(async () => {
    proxy = await startKeycloakProxy();
    realm = await createRealm('registration', { frontendUrl: proxy.url });
    token = await initialAccessToken(realm.name);
  });
  afterAll(async () => {
    await realm?.delete();
    await proxy?.stop();
  });

  it('registers a confidential token-exchange client and deletes it by RFC 7592', async () => {
    const client = await registerProxyClient(realm.issuer, token, 'nextcloud-mcp proxy tenant/acme', 5000);
    expect(client.clientSecret.length).toBeGreaterThan(10);
    expect(client.registrationClientUri).toBe(
      `${realm.issuer}/clients-registrations/openid-connect/${client.clientId}`,
    );
    const registered = await clientOf(client.clientId);
    expect(registered).toMatchObject({ publicClient: false, name: 'nextcloud-mcp proxy tenant/acme' });
    expect(registered?.attributes?.['standard.token.exchange.enabled']).toBe('true');
    await deleteRegisteredClient(realm.issuer, client, 5000);
    expect(await clientOf(client.clientId)).toBeUndefined();
    // Deleting again is not an error: the finalizer may run twice.
    await deleteRegisteredClient(realm.issuer, client, 5000);
  });

  it('says why when the initial access token is refused, and that retrying will not help', async () => {
    const refused = await registerProxyClient(realm.issuer, 'wrong-token', 'x', 5000).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(OperatorError);
    expect((refused as OperatorError).transient).toBe(false);
  });

  it('tells an IdP that is down (may pass) from a refusal', async () => {
    await proxy.cut();
    const down = await registerProxyClient(realm.issuer, token, 'x', 5000).catch((e: unknown) => e);
    await proxy.restore();
    expect(down).toBeInstanceOf(OperatorError);
    expect((down as OperatorError).transient).toBe(true);
  });
});
