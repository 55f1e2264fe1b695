import { Writable } from 'node:stream';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InvalidGrantError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { decodeJwt } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES } from '../../contract/index.js';
import { reservePort } from '../../dev/free-port.js';
import { DEMO_USER, type ProxyPath, startProxyPath } from '../../dev/full-path.js';
import { chromiumAvailable, launchChromium, startLoopbackCallback } from '../browser.js';
import { call } from '../harness.js';
import { createTenantRealm, keycloakUrl, type TenantRealm } from '../keycloak-realm.js';
import { MemoryOAuthProvider } from '../oauth-client.js';

const SCOPE = ['openid', ...ALL_SCOPES].join(' ');

/**
 * The OAuth dance against a real Keycloak, as Claude or MCP Inspector do it: discovery through
 * the proxy's protected resource metadata, anonymous registration with a loopback redirect URI,
 * sign-in and consent on Keycloak's own pages in Chromium, then the proxy's standard token
 * exchange (V2) and a tool call whose Nextcloud token the stand-in checks against Keycloak's keys.
 */
describe.runIf(Boolean(keycloakUrl) && chromiumAvailable())('signing in at a real Keycloak', () => {
  let realm: TenantRealm;
  let path: ProxyPath;
  let callback: Awaited<ReturnType<typeof startLoopbackCallback>>;
  /** The signed-in MCP client's OAuth state, kept for the refusals after the happy path. */
  let provider: MemoryOAuthProvider;
  /** Every token the client held: none may reach the log. */
  const tokens: string[] = [];
  const logLines: string[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );

  beforeAll(async () => {
    const port = await reservePort();
    realm = await createTenantRealm('kc-login', `http://127.0.0.1:${port.port}/mcp`);
    path = await startProxyPath(
      {
        issuer: realm.issuer,
        jwksUrl: `${realm.issuer}/protocol/openid-connect/certs`,
        proxyClient: realm.proxyClient,
      },
      port,
      { log },
    );
    callback = await startLoopbackCallback();
    provider = new MemoryOAuthProvider(SCOPE, callback.redirectUri);
  }, 60_000);
  afterAll(async () => {
    callback?.close();
    await path?.stop();
    await realm?.delete();
  });

  /** The MCP client's first connect: 401, discovery, registration; returns where to sign in. */
  async function register(provider: MemoryOAuthProvider): Promise<URL> {
    const first = new Client({ name: 'keycloak-e2e', version: '1.0.0' });
    await expect(
      first.connect(new StreamableHTTPClientTransport(new URL(path.mcpUrl), { authProvider: provider })),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    if (!provider.authorizationUrl) throw new Error('the client did not start the authorization flow');
    return provider.authorizationUrl;
  }

  it('registers by DCR, signs in and consents on Keycloak, and calls a tool with an exchanged token', async () => {
    const authorizationUrl = await register(provider);
    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(
      `${realm.issuer}/protocol/openid-connect/auth`,
    );
    expect(provider.clientInformation()?.client_id).toBeTruthy();

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(authorizationUrl.href);
      await page.fill('#username', DEMO_USER.name);
      await page.fill('#password', DEMO_USER.password);
      await page.click('#kc-login');
      // The anonymous registration policy makes every registered client ask for consent.
      await page.waitForSelector('input[name="accept"], button[name="accept"]');
      expect(await page.textContent('body')).toContain('notes:write');
      await page.click('[name="accept"]');
      await page.waitForURL(/\/callback\?/);
    } finally {
      await browser.close();
    }

    const transport = () =>
      new StreamableHTTPClientTransport(new URL(path.mcpUrl), { authProvider: provider });
    await transport().finishAuth(await callback.code);
    const token = decodeJwt(provider.tokens()?.access_token ?? '');
    expect(token.iss).toBe(realm.issuer);
    // The tool scopes' audience mappers put the proxy's client id in `aud` (what Keycloak requires
    // of the exchange's requester) and the resource URL (what RFC 8707 asks for; Keycloak ignores
    // the `resource` parameter).
    expect([token.aud].flat()).toEqual(expect.arrayContaining([realm.proxyClient.id, realm.tenant.resource]));
    expect(String(token.scope).split(' ')).toEqual(expect.arrayContaining([...ALL_SCOPES]));

    const client = new Client({ name: 'keycloak-e2e', version: '1.0.0' });
    await client.connect(transport());
    const created = await call(client, 'nc_notes_create_note', { title: 'Via Keycloak', content: 'yes' });
    expect(created.isError).toBeFalsy();
    const listed = await call(client, 'nc_notes_list_notes');
    expect(listed.isError).toBeFalsy();
    expect(listed.text).toContain('Via Keycloak');
    await client.close();

    const exchanged = path.standin?.bearerClaims.at(-1);
    expect(exchanged?.iss).toBe(realm.issuer);
    expect(exchanged?.aud).toEqual('nextcloud');
    expect(exchanged?.sub).toBe(token.sub);
    expect(exchanged?.preferred_username).toBe(DEMO_USER.name);
    expect(exchanged?.azp).toBe(realm.proxyClient.id);
  }, 60_000);

  /** A fresh access token for the same sign-in (refresh grant): one the proxy has not exchanged yet. */
  async function refreshTokens(): Promise<void> {
    const saved = provider.tokens();
    const registered = provider.clientInformation();
    const refreshed = await fetch(`${realm.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: saved?.refresh_token ?? '',
        client_id: String(registered?.client_id),
        ...(registered?.client_secret ? { client_secret: registered.client_secret } : {}),
      }),
    });
    expect(refreshed.status).toBe(200);
    const fresh = (await refreshed.json()) as { access_token: string; refresh_token: string };
    tokens.push(fresh.access_token, fresh.refresh_token);
    provider.saveTokens({ ...saved, ...fresh, token_type: 'Bearer' });
  }

  /** A new MCP session with the tokens the client holds: what the client meets, as an error. */
  async function connectError(): Promise<Error | undefined> {
    const client = new Client({ name: 'keycloak-e2e', version: '1.0.0' });
    return client
      .connect(new StreamableHTTPClientTransport(new URL(path.mcpUrl), { authProvider: provider }))
      .then(
        () => client.close().then(() => undefined),
        (error: unknown) => error as Error,
      );
  }

  /** The proxy's log line for the refusal carries Keycloak's words, and no line holds a token. */
  function refusalLogged(code: string, keycloakSaid: string) {
    const refusals = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'refused' && line.code === code);
    expect(refusals.at(-1)?.message).toContain(keycloakSaid);
    for (const token of tokens) expect(logLines.filter((line) => line.includes(token))).toEqual([]);
    expect(logLines.filter((line) => line.includes(realm.proxyClient.secret))).toEqual([]);
  }

  it('says the endpoint is misconfigured when the proxy client may not exchange', async () => {
    const kc = await realm.admin();
    const [proxyClient] = await kc.clients.find({ clientId: realm.proxyClient.id });
    if (!proxyClient?.id) throw new Error('the proxy client is missing');
    const attributes = proxyClient.attributes ?? {};
    await kc.clients.update(
      { id: proxyClient.id },
      { ...proxyClient, attributes: { ...attributes, 'standard.token.exchange.enabled': 'false' } },
    );
    try {
      await refreshTokens();
      const error = await connectError();
      expect(error?.message).toContain('idp_misconfigured');
      expect(error?.message).toContain('misconfigured at the identity provider');
      refusalLogged('IDP_MISCONFIGURED', 'Standard token exchange is not enabled');
    } finally {
      await kc.clients.update({ id: proxyClient.id }, { ...proxyClient, attributes });
    }
  });

  it('says the endpoint is misconfigured when the realm has no Nextcloud audience client', async () => {
    const kc = await realm.admin();
    const [nextcloud] = await kc.clients.find({ clientId: 'nextcloud' });
    if (!nextcloud?.id) throw new Error('the nextcloud client is missing');
    await kc.clients.del({ id: nextcloud.id });
    try {
      await refreshTokens();
      const error = await connectError();
      expect(error?.message).toContain('idp_misconfigured');
      refusalLogged('IDP_MISCONFIGURED', 'invalid_client (Audience not found)');
    } finally {
      const { id: _, ...again } = nextcloud;
      await kc.clients.create(again);
    }
  });

  it('sends the client to sign in again when its Keycloak session ended', async () => {
    await refreshTokens();
    const kc = await realm.admin();
    const [user] = await kc.users.find({ username: DEMO_USER.name, exact: true });
    await kc.users.logout({ id: user?.id ?? '' });
    // The token still passes the proxy's own checks; Keycloak refuses to exchange it. The proxy's
    // 401 sends the client back to Keycloak, whose refresh grant fails for the same reason.
    const error = await connectError();
    expect(error).toBeInstanceOf(InvalidGrantError);
    expect(error?.message).toBe('Session not active');
    refusalLogged('INVALID_TOKEN', 'invalid_request (Invalid token)');
    const audit = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.audit);
    expect(audit.at(-1)?.status).toBe(401);
  });
});
