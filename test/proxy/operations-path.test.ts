import { createServer as createNetServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEMO_USER, freePort } from '../../dev/full-path.js';
import { ERAS, type EraClient, expectRefusal, MODERN, postMcp } from './eras.js';
import { useProxyPaths } from './fixture.js';

/** The proxy on the whole path (embedded IdP, MCP server, stand-in): metadata, IdP trouble, caches, audit, replicas. */
describe('proxy operations on the whole path', () => {
  const env = useProxyPaths('ops-2');

  it('publishes RFC 9728 metadata at both well-known paths', async () => {
    const path = await env.start();
    const base = path.mcpUrl.replace(/\/mcp$/, '');
    for (const suffix of ['', '/mcp']) {
      const response = await fetch(`${base}/.well-known/oauth-protected-resource${suffix}`);
      expect(response.status).toBe(200);
      const metadata = (await response.json()) as { scopes_supported: string[] };
      expect(metadata).toMatchObject({
        resource: path.mcpUrl,
        authorization_servers: [path.idp.issuer],
        bearer_methods_supported: ['header'],
      });
      expect(metadata.scopes_supported).toContain('notes:write');
    }
  });

  it('lets browser-based clients of an allowed origin in cross-origin, with the challenge readable', async () => {
    const path = await env.start({ ALLOWED_ORIGINS: 'http://localhost:6274' });
    const preflight = await fetch(path.mcpUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:6274',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,mcp-protocol-version',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:6274');
    const base = path.mcpUrl.replace(/\/mcp$/, '');
    const metadata = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`, {
      headers: { origin: 'http://localhost:6274' },
    });
    expect(metadata.headers.get('access-control-allow-origin')).toBe('http://localhost:6274');
    const challenged = await fetch(path.mcpUrl, {
      method: 'POST',
      headers: { origin: 'http://localhost:6274' },
    });
    expect(challenged.status).toBe(401);
    expect(challenged.headers.get('access-control-expose-headers')).toContain('www-authenticate');
  });

  describe.each(ERAS)('for a $name client', (era: EraClient) => {
    const toolsList = era.request('tools/list');
    const search = era.request(
      'tools/call',
      { name: 'nc_notes_search_notes', arguments: { query: 'secret-argument' } },
      2,
    );

    it('answers 503 with Retry-After when the IdP is down or hangs, and never hangs itself', async () => {
      const path = await env.start({ IDP_TIMEOUT_MS: '500' });
      const warm = await postMcp(path.mcpUrl, toolsList, { bearer: await env.token(path) });
      expect(warm.status).toBe(200);
      const issuerPort = Number(new URL(path.idp.issuer).port);
      await path.idp.stop();
      const down = await postMcp(path.mcpUrl, toolsList, { bearer: await env.token(path) });
      // The exchange fails, after the body is read: its id is echoed.
      expectRefusal(era, down, await down.text(), 503, toolsList.id);
      expect(down.headers.get('retry-after')).toBeTruthy();

      // Something that accepts connections and never answers.
      const hang = createNetServer(() => undefined);
      await new Promise<void>((resolve) => hang.listen(issuerPort, '127.0.0.1', resolve));
      const slow = await postMcp(path.mcpUrl, toolsList, { bearer: await env.token(path) });
      expectRefusal(era, slow, await slow.text(), 503, toolsList.id);
      hang.close();
    });

    it('is not ready until the issuer is discovered', async () => {
      const { loadProxyConfig } = await import('../../proxy/config.js');
      const { startProxy } = await import('../../proxy/server.js');
      const { createProxyDeps } = await import('../../proxy/deps.js');
      const deadIssuer = `http://127.0.0.1:${await freePort()}`;
      const proxy = await startProxy(
        createProxyDeps(
          loadProxyConfig({
            PUBLIC_URL: 'http://127.0.0.1:1',
            ISSUER_URL: deadIssuer,
            CLIENT_ID: 'c',
            CLIENT_SECRET: 'secret-secret-secret',
            HOST: '127.0.0.1',
            PORT: '0',
            METRICS_PORT: '0',
          }),
          env.log,
        ),
      );
      expect((await fetch(`${proxy.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
      const early = await postMcp(`${proxy.url}/mcp`, toolsList, { bearer: 'x' });
      expectRefusal(era, early, await early.text(), 503, null);
      expect(early.headers.get('retry-after')).toBeTruthy();
      await proxy.stop();
    });

    it('accepts opaque tokens through introspection, cached by hash', async () => {
      const path = await env.start();
      const { provider } = path.idp;
      const client = await provider.Client.find('nextcloud-mcp-proxy');
      if (!client) throw new Error('no proxy client');
      const grant = new provider.Grant({ accountId: DEMO_USER.name, clientId: client.clientId });
      grant.addResourceScope(path.mcpUrl, 'notes:read');
      const opaque = new provider.AccessToken({
        accountId: DEMO_USER.name,
        client,
        scope: 'notes:read',
        grantId: await grant.save(),
        gty: 'authorization_code',
      });
      opaque.resourceServer = new provider.ResourceServer(path.mcpUrl, {
        scope: 'notes:read',
        audience: path.mcpUrl,
        accessTokenFormat: 'opaque',
      });
      const value = await opaque.save();
      expect(value.split('.')).toHaveLength(1);
      for (let i = 0; i < 3; i++) {
        const response = await postMcp(path.mcpUrl, toolsList, { bearer: value });
        expect(response.status).toBe(200);
      }
      const metrics = await (await fetch(path.proxy.metricsUrl)).text();
      expect(metrics).toMatch(
        /nextcloud_mcp_proxy_cache_lookups_total\{cache="introspection",result="miss"\} 1\b/,
      );
      expect(metrics).toMatch(
        /nextcloud_mcp_proxy_cache_lookups_total\{cache="introspection",result="hit"\} 2\b/,
      );
    });

    it('writes one audit event per MCP request, with its era, without tokens or arguments', async () => {
      const path = await env.start();
      const bearer = await env.token(path);
      env.logLines.length = 0;
      expect((await postMcp(path.mcpUrl, search, { bearer })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const audits = env.logLines.filter((line) => line.audit === true);
      expect(audits).toHaveLength(1);
      expect(audits[0]).toMatchObject({
        subject: DEMO_USER.name,
        clientId: 'some-mcp-client',
        method: 'tools/call',
        tool: 'nc_notes_search_notes',
        target: 'nc_notes_search_notes',
        era: era.era,
        status: 200,
      });
      expect(audits[0]?.durationMs).toEqual(expect.any(Number));
      const everything = JSON.stringify(env.logLines);
      expect(everything).not.toContain(bearer);
      expect(everything).not.toContain('secret-argument');
    });

    it('exchanges once per token and caches it; passthrough is explicit and loud', async () => {
      const path = await env.start();
      const bearer = await env.token(path);
      await Promise.all(Array.from({ length: 20 }, () => postMcp(path.mcpUrl, toolsList, { bearer })));
      const metrics = await (await fetch(path.proxy.metricsUrl)).text();
      expect(metrics).toMatch(/nextcloud_mcp_proxy_token_exchanges_total\{result="ok"\} 1\b/);

      env.logLines.length = 0;
      const passthrough = await env.start({ AUTH_MODE: 'passthrough' });
      expect(env.logLines.some((line) => line.level === 40 && String(line.msg).includes('passthrough'))).toBe(
        true,
      );
      // The stand-in checks tokens as user_oidc does: a token meant for the proxy fails there.
      const response = await postMcp(passthrough.mcpUrl, search, { bearer: await env.token(passthrough) });
      expect(await response.text()).toContain('Nextcloud did not accept the access token');
    });
  });

  it('serves consecutive 2026 requests of one client on any replica, with nothing but the token', async () => {
    const path = await env.start();
    const replica = await path.replica();
    const bearer = await env.token(path);
    const create = MODERN.request(
      'tools/call',
      { name: 'nc_notes_create_note', arguments: { title: 'replicated', content: 'on one' } },
      1,
    );
    const created = await postMcp(path.mcpUrl, create, { bearer });
    expect(created.status).toBe(200);
    expect(created.headers.get('mcp-session-id')).toBeNull();
    const { result } = (await created.json()) as { result: { structuredContent: { id: number } } };
    // The next request lands on the other replica, as a load balancer may send it.
    const get = MODERN.request(
      'tools/call',
      { name: 'nc_notes_get_note', arguments: { note_id: result.structuredContent.id } },
      2,
    );
    const read = await postMcp(`${replica.url}/mcp`, get, { bearer });
    expect(read.status).toBe(200);
    expect(read.headers.get('mcp-session-id')).toBeNull();
    expect(await read.json()).toMatchObject({
      id: 2,
      result: { structuredContent: { title: 'replicated', content: 'on one' } },
    });
  });
});
