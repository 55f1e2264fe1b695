import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER, type FullPath, startFullPath } from '../../dev/full-path.js';
import { chromiumAvailable, launchChromium } from '../browser.js';

/** A blank page on its own origin (`http://localhost:<port>`), as a browser-based MCP client's. */
async function startOrigin(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>client</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://localhost:${(server.address() as AddressInfo).port}`, server };
}

/** What a fetch from the page saw: the status and body, or the TypeError CORS ends it with. */
type Seen = { status: number; body: string; headers: Record<string, string> } | { blocked: string };

/** `fetch` run in the page, under the browser's own CORS enforcement. */
function fetchIn(page: Page, url: string, init: RequestInit = {}): Promise<Seen> {
  return page.evaluate(
    async ([target, options]) => {
      try {
        const response = await fetch(target, options);
        return {
          status: response.status,
          body: await response.text(),
          headers: Object.fromEntries(response.headers),
        };
      } catch (error) {
        return { blocked: String(error) };
      }
    },
    [url, init] as const,
  );
}

function ok(seen: Seen): { status: number; body: string; headers: Record<string, string> } {
  if ('blocked' in seen) throw new Error(`blocked by CORS: ${seen.blocked}`);
  return seen;
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/**
 * A browser-based MCP client (a page on its own origin, as MCP Inspector 1.x's was) runs the whole
 * OAuth discovery, registration and token exchange with fetch in Chromium, where real CORS
 * enforcement decides what it may read; the person signs in on the IdP's pages in between.
 */
describe.runIf(chromiumAvailable())('a browser-based client across origins', () => {
  let path: FullPath;
  let client: Awaited<ReturnType<typeof startOrigin>>;
  let stranger: Awaited<ReturnType<typeof startOrigin>>;
  let browser: Browser;

  beforeAll(async () => {
    client = await startOrigin();
    stranger = await startOrigin();
    // The proxy trusts the client's origin as it trusts the Inspector's by default; not the stranger's.
    path = await startFullPath({ env: { ALLOWED_ORIGINS: client.origin } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await path?.stop();
    client?.server.close();
    stranger?.server.close();
  });

  it('discovers, registers (preflighted JSON), signs in, redeems the code and calls /mcp', async () => {
    const page = await browser.newPage();
    await page.goto(`${client.origin}/`);
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'page', version: '1' } },
    };
    const mcpPost = (token?: string): RequestInit => ({
      ...json(initialize),
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });

    const challenge = ok(await fetchIn(page, path.mcpUrl, mcpPost()));
    expect(challenge.status).toBe(401);
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge.headers['www-authenticate'] ?? '')?.[1];
    expect(metadataUrl).toBeTruthy();
    const resource = JSON.parse(ok(await fetchIn(page, metadataUrl ?? '')).body) as {
      authorization_servers: string[];
    };
    const issuer = resource.authorization_servers[0] ?? '';
    const discovery = JSON.parse(
      ok(await fetchIn(page, `${issuer}/.well-known/oauth-authorization-server`)).body,
    ) as Record<string, string>;
    expect(ok(await fetchIn(page, `${issuer}/.well-known/openid-configuration`)).status).toBe(200);
    expect(JSON.parse(ok(await fetchIn(page, discovery.jwks_uri ?? '')).body)).toHaveProperty('keys');

    const redirectUri = `${client.origin}/callback`;
    const registered = ok(
      await fetchIn(
        page,
        discovery.registration_endpoint ?? '',
        json({
          client_name: 'Browser page',
          redirect_uris: [redirectUri],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code'],
        }),
      ),
    );
    expect(registered.status).toBe(201);
    const { client_id: clientId } = JSON.parse(registered.body) as { client_id: string };

    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(discovery.authorization_endpoint ?? '');
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'openid notes:read',
      resource: path.mcpUrl,
      state: 'page-state',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    await page.goto(authorize.href);
    await page.fill('input[name="login"]', DEMO_USER.name);
    await page.fill('input[name="password"]', DEMO_USER.password);
    await page.click('button:text("Sign in")');
    await page.waitForSelector('text=Allow access?');
    expect(await page.textContent('body')).toContain('Browser page');
    await page.click('button:text("Allow")');
    await page.waitForURL(/\/callback\?/);
    const code = new URL(page.url()).searchParams.get('code') ?? '';

    // Back on the client's origin: the code is redeemed from the page.
    const token = ok(
      await fetchIn(page, discovery.token_endpoint ?? '', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          code_verifier: verifier,
          client_id: clientId,
          redirect_uri: redirectUri,
          resource: path.mcpUrl,
        }).toString(),
      }),
    );
    expect(token.status, token.body).toBe(200);
    const { access_token: accessToken } = JSON.parse(token.body) as { access_token: string };

    const connected = ok(await fetchIn(page, path.mcpUrl, mcpPost(accessToken)));
    expect(connected.status, connected.body).toBe(200);
    expect(connected.body).toContain('"protocolVersion"');
    expect(connected.headers['mcp-session-id']).toBeTruthy();

    const revoked = ok(
      await fetchIn(page, discovery.revocation_endpoint ?? '', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: 'not-a-token', client_id: clientId }).toString(),
      }),
    );
    expect(revoked.status).toBe(200);

    // Another origin may not read a registration tied to the client's origin, nor use its client
    // at the token endpoint, nor reach the proxy, which trusts only its allowed origins.
    const other = await browser.newPage();
    await other.goto(`${stranger.origin}/`);
    const foreign = await fetchIn(
      other,
      discovery.registration_endpoint ?? '',
      json({ redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' }),
    );
    expect(foreign).toHaveProperty('blocked');
    const stolen = await fetchIn(other, discovery.token_endpoint ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: 'x',
        client_id: clientId,
      }).toString(),
    });
    expect(stolen).toHaveProperty('blocked');
    expect(await fetchIn(other, path.mcpUrl, mcpPost(accessToken))).toHaveProperty('blocked');
    // Yet discovery stays open to any page.
    expect(ok(await fetchIn(other, `${issuer}/.well-known/oauth-authorization-server`)).status).toBe(200);
  });

  it('answers the registration preflight for any origin, as no client exists yet', async () => {
    const preflight = await fetch(`${path.idp.issuer}/reg`, {
      method: 'OPTIONS',
      headers: {
        origin: stranger.origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-other',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(stranger.origin);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
    // An invalid registration is readable from any origin, to say why.
    const refused = await fetch(`${path.idp.issuer}/reg`, {
      ...json({ redirect_uris: ['not a url'] }),
      headers: { 'content-type': 'application/json', origin: stranger.origin },
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('access-control-allow-origin')).toBe(stranger.origin);
  });
});
