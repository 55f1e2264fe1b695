import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopesForApps } from '../../contract/index.js';
import { KeycloakAutomation, type KeycloakTenant } from '../../operator/keycloak.js';
import {
  admin,
  createRealm,
  createUser,
  keycloakAdmin,
  keycloakUrl,
  NEXTCLOUD_AUDIENCE,
  subjectToken,
  type TestRealm,
  tokenRequest,
} from '../../peers/keycloak-realms.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

/** What the operator configures must work at Keycloak's own endpoints: token exchange and DCR. */
describe("the realm the operator configures, at Keycloak's token and registration endpoints", () => {
  let realm: TestRealm;
  let automation: KeycloakAutomation;
  let proxyClient: { clientId: string; clientSecret: string };
  const tenant: KeycloakTenant = {
    key: 'ns.acme',
    proxyClientId: 'mcp-ns.acme',
    resource: 'https://acme.mcp.example/mcp',
    nextcloudAudience: NEXTCLOUD_AUDIENCE,
    scopes: scopesForApps(['notes', 'files']),
  };
  const register = (redirectUris: string[], scope: string) =>
    fetch(`${realm.issuer}/clients-registrations/openid-connect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'MCP Inspector',
        redirect_uris: redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        scope,
      }),
    });
  const loopback = ['http://localhost:6274/oauth/callback', 'http://127.0.0.1:33418/callback'];

  beforeAll(async () => {
    realm = await createRealm('operator-exchange');
    automation = new KeycloakAutomation({
      baseUrl: keycloakUrl(),
      realm: realm.name,
      admin: keycloakAdmin(),
    });
  });
  afterAll(() => realm?.delete());

  it('refuses anonymous registration of loopback clients in a stock realm', async () => {
    expect((await register(loopback, 'notes:read')).status).toBe(403);
  });

  it("exchanges a user's token for one with the Nextcloud audience and the user's sub (RFC 8693, V2)", async () => {
    proxyClient = await automation.ensure(tenant);
    const user = await createUser(realm.name);
    const subject = await subjectToken(realm, user, ['notes:read', 'files:read']);
    expect(decodeJwt(subject).aud).toEqual(expect.arrayContaining([tenant.proxyClientId, tenant.resource]));
    const { status, body } = await tokenRequest(
      realm.issuer,
      {
        grant_type: TOKEN_EXCHANGE,
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN,
        requested_token_type: ACCESS_TOKEN,
        audience: NEXTCLOUD_AUDIENCE,
      },
      [proxyClient.clientId, proxyClient.clientSecret],
    );
    expect(status, JSON.stringify(body)).toBe(200);
    const minted = decodeJwt(String(body.access_token));
    expect([minted.aud].flat()).toContain(NEXTCLOUD_AUDIENCE);
    expect(minted.sub).toBe(user.id);
    expect(minted.sub).toBe(decodeJwt(subject).sub);
  });

  it('is refused by Keycloak once exchange is switched off on the proxy client, and works again after ensure', async () => {
    const kc = await admin(realm.name);
    const [client] = await kc.clients.find({ clientId: tenant.proxyClientId });
    await kc.clients.update(
      { id: client?.id ?? '' },
      { ...client, attributes: { ...client?.attributes, 'standard.token.exchange.enabled': 'false' } },
    );
    const user = await createUser(realm.name);
    const exchange = async () =>
      tokenRequest(
        realm.issuer,
        {
          grant_type: TOKEN_EXCHANGE,
          subject_token: await subjectToken(realm, user, ['notes:read']),
          subject_token_type: ACCESS_TOKEN,
          audience: NEXTCLOUD_AUDIENCE,
        },
        [proxyClient.clientId, proxyClient.clientSecret],
      );
    const refused = await exchange();
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(String(refused.body.error_description)).toMatch(/token exchange is not enabled/i);
    await automation.ensure(tenant);
    expect((await exchange()).status).toBe(200);
  });

  it('lets a loopback MCP client register anonymously (RFC 7591) with the tool scopes', async () => {
    const response = await register(loopback, 'notes:read notes:write files:read');
    const body = (await response.json()) as { client_id?: string; scope?: string };
    expect(response.status, JSON.stringify(body)).toBe(201);
    const kc = await admin(realm.name);
    const [client] = await kc.clients.find({ clientId: body.client_id ?? '' });
    expect(client?.redirectUris?.sort()).toEqual([...loopback].sort());
    const granted = [
      ...(await kc.clients.listDefaultClientScopes({ id: client?.id ?? '' })),
      ...(await kc.clients.listOptionalClientScopes({ id: client?.id ?? '' })),
    ].map((scope) => scope.name);
    expect(granted).toEqual(expect.arrayContaining(['notes:read', 'notes:write', 'files:read']));
    expect(client?.consentRequired).toBe(true);
    expect(client?.fullScopeAllowed).toBe(false);
  });

  it('still refuses anonymous clients redirecting anywhere but loopback, and scopes it does not allow', async () => {
    expect((await register(['https://evil.example/callback'], 'notes:read')).status).toBe(403);
    expect((await register([...loopback, 'https://evil.example/cb'], 'notes:read')).status).toBe(403);
  });
});
