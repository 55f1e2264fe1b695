import { decodeJwt } from 'jose';
import type Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER, PROXY_CLIENT } from '../../dev/full-path.js';
import { quietLog } from '../../dev/mcp-server.js';
import { type EmbeddedIdp, startEmbeddedIdp, TOKEN_EXCHANGE } from '../../idp/embedded.js';
import { createTenantRealm, keycloakUrl, type TenantRealm } from '../keycloak-realm.js';

const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const RESOURCE = 'http://127.0.0.1:1/mcp';

/** One IdP as the exchange sees it: its token endpoint, the proxy's client, and subject tokens. */
interface Side {
  readonly tokenUrl: string;
  readonly proxyClient: { readonly id: string; readonly secret: string };
  /** A user's token for the MCP resource (the proxy's client in `aud`) with notes:read. */
  readonly forProxy: string;
  /** The same user's token for something else: the proxy's client not in `aud`. */
  readonly notForProxy: string;
  /** An ID token of the user, whose audience is the proxy's client where the IdP lets one be minted. */
  readonly idToken: string;
  /** Where anyone may register a client (RFC 7591), as an MCP client does. */
  readonly registrationUrl: string;
}

type Outcome =
  | { status: 200; aud: unknown; sameSubject: boolean; issued: unknown }
  | { status: number; error: unknown; error_description: unknown };

async function exchange(
  side: Side,
  request: Record<string, string>,
  client = side.proxyClient,
): Promise<Outcome> {
  const response = await fetch(side.tokenUrl, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: TOKEN_EXCHANGE,
      subject_token_type: ACCESS_TOKEN,
      requested_token_type: ACCESS_TOKEN,
      audience: 'nextcloud',
      ...request,
    }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) {
    return { status: response.status, error: body.error, error_description: body.error_description };
  }
  const claims = decodeJwt(String(body.access_token));
  return {
    status: 200,
    aud: claims.aud,
    sameSubject: claims.sub === decodeJwt(request.subject_token ?? '').sub,
    issued: body.issued_token_type,
  };
}

/** Keycloak's realm as the operator sets it up, plus a password-grant client that hands out subject tokens. */
async function keycloakSide(realm: TenantRealm): Promise<Side> {
  const kc = await realm.admin();
  const { id } = await kc.clients.create({
    clientId: 'subject-tokens',
    publicClient: true,
    directAccessGrantsEnabled: true,
    standardFlowEnabled: false,
    fullScopeAllowed: false,
  });
  const notesRead = await kc.clientScopes.findOneByName({ name: 'notes:read' });
  await kc.clients.addOptionalClientScope({ id, clientScopeId: notesRead?.id ?? '' });
  const tokenUrl = `${realm.issuer}/protocol/openid-connect/token`;
  const signIn = async (scope: string, kind: 'access_token' | 'id_token' = 'access_token') => {
    const response = await fetch(tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'subject-tokens',
        username: DEMO_USER.name,
        password: DEMO_USER.password,
        scope,
      }),
    });
    return String(((await response.json()) as Record<string, unknown>)[kind]);
  };
  return {
    tokenUrl,
    proxyClient: realm.proxyClient,
    // The tool scope's audience mapper is what puts the proxy's client into `aud`.
    forProxy: await signIn('openid notes:read'),
    notForProxy: await signIn('openid'),
    idToken: await signIn('openid', 'id_token'),
    registrationUrl: `${realm.issuer}/clients-registrations/openid-connect`,
  };
}

/** Tokens the embedded IdP mints through its own token format, as its token endpoint would. */
async function embeddedSide(idp: EmbeddedIdp): Promise<Side> {
  const provider: Provider = idp.provider;
  const client = await provider.Client.find(PROXY_CLIENT.id);
  if (!client) throw new Error('the proxy client is missing');
  const mint = async (audience: string) => {
    const grant = new provider.Grant({ accountId: DEMO_USER.name, clientId: client.clientId });
    grant.addResourceScope(audience, 'notes:read');
    const token = new provider.AccessToken({
      accountId: DEMO_USER.name,
      client,
      scope: 'notes:read',
      grantId: await grant.save(),
      gty: 'authorization_code',
    });
    token.resourceServer = new provider.ResourceServer(audience, {
      scope: 'notes:read',
      audience,
      accessTokenFormat: 'jwt',
    });
    return token.save();
  };
  return {
    tokenUrl: `${idp.issuer}/token`,
    proxyClient: PROXY_CLIENT,
    forProxy: await mint(RESOURCE),
    notForProxy: await mint('another-client'),
    // As a registered client gets one for itself: its own client id is the audience.
    idToken: await new provider.IdToken({ sub: DEMO_USER.name }, { client, ctx: undefined }).issue({
      use: 'idtoken',
    }),
    registrationUrl: `${idp.issuer}/reg`,
  };
}

/** A confidential client registered anonymously, asking for the token-exchange grant. */
async function registerClient(side: Side): Promise<{ id: string; secret: string }> {
  const response = await fetch(side.registrationUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'someone',
      redirect_uris: ['http://127.0.0.1:9/callback'],
      grant_types: ['authorization_code', TOKEN_EXCHANGE],
      token_endpoint_auth_method: 'client_secret_basic',
    }),
  });
  const body = (await response.json()) as { client_id?: string; client_secret?: string };
  expect(response.status, JSON.stringify(body)).toBe(201);
  return { id: String(body.client_id), secret: String(body.client_secret) };
}

const refused = (status: number, error: string, error_description: string) => ({
  status,
  error,
  error_description,
});

/**
 * The embedded IdP `npm start` uses exchanges tokens by Keycloak's standard token exchange (V2)
 * rules: the same requests against both give the same outcome, and each outcome is Keycloak's.
 */
describe.runIf(Boolean(keycloakUrl))('token exchange: the embedded IdP answers as Keycloak does', () => {
  let realm: TenantRealm;
  let idp: EmbeddedIdp;
  let sides: { keycloak: Side; embedded: Side };

  beforeAll(async () => {
    realm = await createTenantRealm('exchange-rules', RESOURCE);
    idp = await startEmbeddedIdp({
      resource: RESOURCE,
      nextcloudAudience: 'nextcloud',
      proxyClient: PROXY_CLIENT,
      users: { [DEMO_USER.name]: DEMO_USER.password },
      log: quietLog,
    });
    sides = { keycloak: await keycloakSide(realm), embedded: await embeddedSide(idp) };
  }, 60_000);
  afterAll(async () => {
    await idp?.stop();
    await realm?.delete();
  });

  const cases: [string, (side: Side) => Record<string, string>, Outcome][] = [
    [
      'exchanges a token that names the exchanging client for a Nextcloud token of the same user',
      (side) => ({ subject_token: side.forProxy, scope: 'notes:read' }),
      { status: 200, aud: 'nextcloud', sameSubject: true, issued: ACCESS_TOKEN },
    ],
    [
      'refuses a token whose audience lacks the exchanging client',
      (side) => ({ subject_token: side.notForProxy }),
      refused(403, 'access_denied', 'Client is not within the token audience'),
    ],
    [
      'refuses an audience that names no client',
      (side) => ({ subject_token: side.forProxy, audience: 'nobody' }),
      refused(400, 'invalid_client', 'Audience not found'),
    ],
    [
      'refuses a scope the exchanging client may not hold',
      (side) => ({ subject_token: side.forProxy, scope: 'bogus' }),
      refused(400, 'invalid_scope', 'Invalid scopes: bogus'),
    ],
    [
      'refuses a subject token it did not issue',
      () => ({ subject_token: 'abc.def.ghi' }),
      refused(400, 'invalid_request', 'Invalid token'),
    ],
    [
      'refuses an ID token as the subject token, whatever its audience',
      (side) => ({ subject_token: side.idToken }),
      refused(400, 'invalid_request', 'Invalid token'),
    ],
    [
      'refuses a subject token that is not an access token',
      (side) => ({
        subject_token: side.forProxy,
        subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      }),
      refused(400, 'invalid_request', "Parameter 'subject_token' supports access tokens only"),
    ],
  ];

  it.each(cases)('%s', async (_name, request, expected) => {
    const keycloak = await exchange(sides.keycloak, request(sides.keycloak));
    const embedded = await exchange(sides.embedded, request(sides.embedded));
    expect(keycloak).toEqual(expected);
    expect(embedded).toEqual(keycloak);
  });

  // Open registration must not make a token-exchange client: with one, a stolen token (or an ID
  // token minted for the registered client) would buy a Nextcloud token.
  it('refuses a client anyone registered, even with a token for the proxy', async () => {
    const outcomes = [];
    for (const side of [sides.keycloak, sides.embedded])
      outcomes.push(await exchange(side, { subject_token: side.forProxy }, await registerClient(side)));
    const [keycloak, embedded] = outcomes;
    expect(keycloak).not.toMatchObject({ status: 200 });
    expect(embedded).toEqual(keycloak);
  });
});
