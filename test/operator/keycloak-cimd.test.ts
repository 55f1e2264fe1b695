import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientIdMetadataDocuments, NextcloudMcp } from '../../contract/index.js';
import { tenant as tenantResource } from '../../dev/tenant-spec.js';
import { keycloakTenant } from '../../operator/identity.js';
import { KeycloakAutomation, type KeycloakTenant } from '../../operator/keycloak.js';
import { cimdName } from '../../operator/keycloak-cimd.js';
import {
  admin,
  adminWrites,
  createRealm,
  createUser,
  keycloakAdmin,
  keycloakUrl,
  type TestRealm,
  tokenRequest,
} from '../../peers/keycloak-realms.js';

/** The Keycloak view of a NextcloudMcp in `realm` whose spec asks for CIMD with `settings`. */
function tenantFor(realm: string, name: string, settings?: ClientIdMetadataDocuments): KeycloakTenant {
  const resource = tenantResource(name, { metadata: { namespace: 'ns' } }) as NextcloudMcp;
  const keycloak = {
    realm,
    adminCredentialsSecretRef: { name: 'admin' },
    ...(settings ? { clientIdMetadataDocuments: settings } : {}),
  };
  return keycloakTenant({
    ...resource,
    spec: { ...resource.spec, apps: ['notes'], identity: { ...resource.spec.identity, keycloak } },
  });
}

const LOOPBACK = { enabled: true, trustedDomains: ['localhost', '127.0.0.1'], allowHttp: true };

/** A desktop MCP client's metadata document, served over loopback http, with its redirect URI. */
async function serveDocument(): Promise<{
  clientId: string;
  redirectUri: string;
  fetches: string[];
  server: Server;
}> {
  const fetches: string[] = [];
  const server = createServer((req, res) => {
    fetches.push(req.url ?? '');
    if (req.url !== '/client.json') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const clientId = `http://localhost:${port}/client.json`;
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  const document = {
    client_id: clientId,
    client_name: 'Desktop MCP client',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
  return { clientId, redirectUri, fetches, server };
}

/**
 * Plays the person at Keycloak's pages: its login form, then its consent form (clients made from
 * a document require consent), following redirects with the session cookies, up to the redirect.
 */
async function signInAtKeycloak(
  start: URL,
  redirectUri: string,
  user: { username: string; password: string },
) {
  const cookies = new Map<string, string>();
  const send = async (url: string, body?: URLSearchParams) => {
    const response = await fetch(url, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    return response;
  };
  let response = await send(start.href);
  for (let step = 0; step < 10; step++) {
    const location = response.headers.get('location');
    if (location?.startsWith(redirectUri)) return new URL(location);
    if (location) {
      response = await send(new URL(location, start).href);
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
    if (response.status !== 200 || !action) throw new Error(`Keycloak answered ${response.status}: ${html}`);
    const form = html.includes('name="password"')
      ? new URLSearchParams({ username: user.username, password: user.password })
      : new URLSearchParams({ accept: 'Yes' });
    response = await send(new URL(action, start).href, form);
  }
  throw new Error('the sign-in did not reach the redirect URI');
}

/** An authorization request with PKCE (S256), and its verifier. */
function authorizationRequest(issuer: string, clientId: string, redirectUri: string, scope: string) {
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${issuer}/protocol/openid-connect/auth`);
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope,
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  return { url, verifier };
}

describe('Client ID Metadata Documents with a real Keycloak', () => {
  const realms: TestRealm[] = [];
  const automationFor = (realm: TestRealm) =>
    new KeycloakAutomation({ baseUrl: keycloakUrl(), realm: realm.name, admin: keycloakAdmin() });
  const realm = async () => {
    const created = await createRealm('operator-cimd');
    realms.push(created);
    return created;
  };
  const clientPolicies = async (name: string) => {
    const kc = await admin(name);
    const [{ profiles = [] }, { policies = [] }] = await Promise.all([
      kc.clientPolicies.listProfiles({ includeGlobalProfiles: false }),
      kc.clientPolicies.listPolicies({ includeGlobalPolicies: false }),
    ]);
    return { profiles, policies };
  };
  const defaultOptional = async (name: string) =>
    (await (await admin(name)).clientScopes.listDefaultOptionalClientScopes())
      .map((scope) => scope.name)
      .sort();
  let document: Awaited<ReturnType<typeof serveDocument>>;

  beforeAll(async () => {
    document = await serveDocument();
  });
  afterAll(async () => {
    document?.server.close();
    await Promise.all(realms.map((created) => created.delete()));
  }, 120_000);

  it('puts the tenant policy in the realm, and a client by document URL signs in with code + PKCE', async () => {
    const fresh = await realm();
    const user = await createUser(fresh.name);
    const tenant = tenantFor(fresh.name, 'acme', LOOPBACK);
    const automation = automationFor(fresh);
    await automation.ensure(tenant);

    const { profiles, policies } = await clientPolicies(fresh.name);
    expect(profiles).toEqual([
      expect.objectContaining({
        name: cimdName('ns.acme'),
        executors: [
          {
            executor: 'client-id-metadata-document',
            configuration: {
              'cimd-allow-http-scheme': true,
              'cimd-allow-permitted-domains': ['localhost', '127.0.0.1'],
              'cimd-restrict-same-domain': false,
            },
          },
        ],
      }),
    ]);
    expect(policies).toEqual([
      expect.objectContaining({
        name: cimdName('ns.acme'),
        enabled: true,
        profiles: [cimdName('ns.acme')],
        conditions: [
          {
            condition: 'client-id-uri',
            configuration: {
              'client-id-uri-scheme': ['https', 'http'],
              'client-id-uri-allow-permitted-domains': ['localhost', '127.0.0.1'],
            },
          },
        ],
      }),
    ]);
    expect(await defaultOptional(fresh.name)).toEqual(expect.arrayContaining(['notes:read', 'notes:write']));

    // A second reconcile writes nothing.
    const writes = (await adminWrites(fresh.name)).length;
    await automation.ensure(tenant);
    expect(await adminWrites(fresh.name)).toHaveLength(writes);

    const { url, verifier } = authorizationRequest(
      fresh.issuer,
      document.clientId,
      document.redirectUri,
      'openid notes:read',
    );
    const callback = await signInAtKeycloak(url, document.redirectUri, user);
    expect(callback.searchParams.get('iss')).toBe(fresh.issuer);
    expect(document.fetches).toContain('/client.json');
    const { status, body } = await tokenRequest(fresh.issuer, {
      grant_type: 'authorization_code',
      client_id: document.clientId,
      code: callback.searchParams.get('code') ?? '',
      redirect_uri: document.redirectUri,
      code_verifier: verifier,
    });
    expect(status, JSON.stringify(body)).toBe(200);
    const claims = decodeJwt(String(body.access_token));
    expect(claims.azp).toBe(document.clientId);
    expect(String(claims.scope).split(' ')).toContain('notes:read');
    // The tool scope's mappers put the tenant's audiences in: the proxy takes this token.
    expect(claims.aud).toEqual(expect.arrayContaining([tenant.resource, tenant.proxyClientId]));

    const [client] = await (await admin(fresh.name)).clients.find({ clientId: document.clientId });
    expect(client).toMatchObject({ publicClient: true, consentRequired: true });
  });

  it('refuses a document URL on an untrusted host, and a redirect URI on an untrusted host', async () => {
    const fresh = await realm();
    await automationFor(fresh).ensure(
      tenantFor(fresh.name, 'acme', { ...LOOPBACK, trustedDomains: ['localhost'] }),
    );
    const before = document.fetches.length;
    const untrusted = authorizationRequest(
      fresh.issuer,
      document.clientId.replace('localhost', '127.0.0.1'),
      document.redirectUri,
      'openid',
    );
    const answer = await fetch(untrusted.url, { redirect: 'manual' });
    expect(answer.status).toBe(400);
    expect(document.fetches).toHaveLength(before);

    // A trusted document URL, but the redirect URI (on 127.0.0.1) is not on a trusted domain.
    const wrong = authorizationRequest(fresh.issuer, document.clientId, document.redirectUri, 'openid');
    expect((await fetch(wrong.url, { redirect: 'manual' })).status).toBe(400);
    expect(await (await admin(fresh.name)).clients.find({ clientId: document.clientId })).toEqual([]);
  });

  it('disabling removes the policy, the profile and the default scopes, leaving the realm admin’s own', async () => {
    const fresh = await realm();
    const kc = await admin(fresh.name);
    const theirs = { name: 'realm-admins-own', description: 'not ours', executors: [] };
    await kc.clientPolicies.createProfiles({ profiles: [theirs] });
    // A tool scope the realm admin made a default before the operator came stays one.
    const { id } = await kc.clientScopes.create({ name: 'notes:read', protocol: 'openid-connect' });
    await kc.clientScopes.addDefaultOptionalClientScope({ id });
    const before = await defaultOptional(fresh.name);
    expect(before).toContain('notes:read');
    const automation = automationFor(fresh);
    await automation.ensure(tenantFor(fresh.name, 'acme', LOOPBACK));
    await automation.ensure(tenantFor(fresh.name, 'other', LOOPBACK));
    expect((await clientPolicies(fresh.name)).policies.map((policy) => policy.name).sort()).toEqual([
      cimdName('ns.acme'),
      cimdName('ns.other'),
    ]);

    await automation.ensure(tenantFor(fresh.name, 'acme', { enabled: false }));
    const { profiles, policies } = await clientPolicies(fresh.name);
    expect(policies.map((policy) => policy.name)).toEqual([cimdName('ns.other')]);
    expect(profiles.map((profile) => profile.name).sort()).toEqual([cimdName('ns.other'), theirs.name]);
    // The other tenant still needs the tool scopes as defaults.
    expect(await defaultOptional(fresh.name)).toEqual(expect.arrayContaining(['notes:read']));

    await automation.remove(tenantFor(fresh.name, 'other', LOOPBACK));
    const after = await clientPolicies(fresh.name);
    expect(after.policies).toEqual([]);
    expect(after.profiles.map((profile) => profile.name)).toEqual([theirs.name]);
    expect(await defaultOptional(fresh.name)).toEqual(before);
    // No mark of a tenant is left on the scopes that outlive them.
    const marks = (await kc.clientScopes.find()).map(
      (scope) => scope.attributes?.['nextcloud-mcp.io/cimd-default-for'],
    );
    expect(marks.filter(Boolean)).toEqual([]);
  });

  it('keeps every tenant of one realm when they are reconciled at once', async () => {
    const fresh = await realm();
    const keys = ['one', 'two', 'three'];
    // Separate automations, as tenants with their own admin Secret get: the realm is still one.
    await Promise.all(keys.map((key) => automationFor(fresh).ensure(tenantFor(fresh.name, key, LOOPBACK))));
    const { profiles, policies } = await clientPolicies(fresh.name);
    const mine = keys.map((key) => cimdName(`ns.${key}`)).sort();
    expect(policies.map((policy) => policy.name).sort()).toEqual(mine);
    expect(profiles.map((profile) => profile.name).sort()).toEqual(mine);
    const notesRead = (await (await admin(fresh.name)).clientScopes.find()).find(
      (scope) => scope.name === 'notes:read',
    );
    const marks = String(notesRead?.attributes?.['nextcloud-mcp.io/cimd-default-for'] ?? '').split(',');
    expect(marks.sort()).toEqual(keys.map((key) => `ns.${key}`).sort());
  });
});
