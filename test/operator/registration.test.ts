import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteRegisteredClient,
  RegistrationError,
  registerProxyClient,
} from '../../operator/registration.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const INITIAL_ACCESS_TOKEN = 'initial-access-token-for-tests';

/** An IdP (oidc-provider) that allows registration only with an initial access token, and RFC 7592. */
describe('RFC 7591 registration mode', () => {
  let server: Server;
  let provider: Provider;
  let issuer: string;

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    provider = new Provider(issuer, {
      features: {
        registration: { enabled: true, initialAccessToken: INITIAL_ACCESS_TOKEN },
        registrationManagement: { enabled: true },
        devInteractions: { enabled: false },
      },
    });
    provider.registerGrantType(TOKEN_EXCHANGE, () => undefined, [
      'subject_token',
      'subject_token_type',
      'audience',
    ]);
    server.on('request', provider.callback());
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

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

  it('says why when the initial access token is refused', async () => {
    await expect(registerProxyClient(issuer, 'wrong-token', 'x', 5000)).rejects.toBeInstanceOf(
      RegistrationError,
    );
  });
});
