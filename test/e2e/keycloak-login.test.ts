import { Writable } from 'node:stream';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES } from '../../contract/index.js';
import { chromiumAvailable, launchChromium, startLoopbackCallback } from '../browser.js';
import { DEMO_USER, type ProxyPath, startProxyPath } from '../full-path.js';
import { call } from '../harness.js';
import { createTestRealm, keycloakUrl, type TestRealm } from '../keycloak-realm.js';
import { MemoryOAuthProvider } from '../oauth-client.js';
import { reservePort } from '../standins/free-port.js';

const SCOPE = ['openid', ...ALL_SCOPES].join(' ');

/**
 * The OAuth dance against a real Keycloak, as Claude or MCP Inspector do it: discovery through
 * the proxy's protected resource metadata, anonymous registration with a loopback redirect URI,
 * sign-in and consent on Keycloak's own pages in Chromium, then the proxy's standard token
 * exchange (V2) and a tool call whose Nextcloud token the stand-in checks against Keycloak's keys.
 */
describe.runIf(Boolean(keycloakUrl) && chromiumAvailable())('signing in at a real Keycloak', () => {
  let realm: TestRealm;
  let path: ProxyPath;
  let callback: Awaited<ReturnType<typeof startLoopbackCallback>>;
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
    realm = await createTestRealm('kc-login', `http://127.0.0.1:${port.port}/mcp`);
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
    const provider = new MemoryOAuthProvider(SCOPE, callback.redirectUri);
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
    // The tool scopes' audience mappers put the proxy's client id in `aud`: what the proxy accepts
    // and what Keycloak requires of the exchange's requester.
    expect([token.aud].flat()).toContain(realm.proxyClient.id);
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
});
