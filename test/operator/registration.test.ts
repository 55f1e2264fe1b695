import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteRegisteredClient,
  RegistrationError,
  registerProxyClient,
} from '../../operator/registration.js';
import {
  INITIAL_ACCESS_TOKEN,
  type RegistrationIdp,
  startRegistrationIdp,
  TOKEN_EXCHANGE,
} from './registration-idp.js';

describe('RFC 7591 registration', () => {
  let idp: RegistrationIdp;
  let issuer: string;
  let provider: RegistrationIdp['provider'];

  beforeAll(async () => {
    idp = await startRegistrationIdp();
    issuer = idp.issuer;
    provider = idp.provider;
  });
  afterAll(() => idp?.stop());

  it('registers a confidential token-exchange client and deletes it by RFC 7592', async () => {
    const client = await registerProxyClient(
      issuer,
      INITIAL_ACCESS_TOKEN,
      'nextcloud-mcp proxy tenant/acme',
      5000,
    );
    expect(client.clientSecret.length).toBeGreaterThan(10);
    expect(client.registrationClientUri).toContain(client.clientId);
    const found = await provider.Client.find(client.clientId);
    expect(found?.grantTypes).toEqual([TOKEN_EXCHANGE]);
    await deleteRegisteredClient(client, 5000);
    expect(await provider.Client.find(client.clientId)).toBeUndefined();
    // Deleting again is not an error: the finalizer may run twice.
    await deleteRegisteredClient(client, 5000);
  });

  it('says why when the initial access token is refused, and that retrying will not help', async () => {
    const refused = await registerProxyClient(issuer, 'wrong-token', 'x', 5000).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RegistrationError);
    expect((refused as RegistrationError).transient).toBe(false);
  });

  it('tells an IdP that is down (may pass) from a refusal', async () => {
    idp.down = true;
    const down = await registerProxyClient(issuer, INITIAL_ACCESS_TOKEN, 'x', 5000).catch((e: unknown) => e);
    idp.down = false;
    expect(down).toBeInstanceOf(RegistrationError);
    expect((down as RegistrationError).transient).toBe(true);
  });
});
