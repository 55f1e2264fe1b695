import type { IncomingHttpHeaders } from 'node:http';
import {
  Client,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES, CATALOGUE } from '../../contract/index.js';
import { DEMO_USER, type FullPath, startFullPath } from '../../dev/full-path.js';
import { authorize, MemoryOAuthProvider } from '../oauth-client.js';

const MODERN = '2026-07-28';

/**
 * The 2025 provider already fits the v2 interface; a v2 client also keeps what discovery found,
 * so it can check that the code is redeemed at the authorization server it was minted by.
 */
class DiscoveringProvider extends MemoryOAuthProvider implements OAuthClientProvider {
  private discovered: OAuthDiscoveryState | undefined;
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovered = state;
  }
  discoveryState() {
    return this.discovered;
  }
}

/**
 * The same journey as oauth-flow.test.ts, made by the SDK v2 client pinned to 2026-07-28: it must
 * discover, register, sign in, list, call and step up through the proxy without `initialize`.
 */
describe('the whole request path with the v2 MCP client in 2026-07-28 mode', () => {
  let path: FullPath;
  /** Headers of every request that reached the MCP server. */
  const reached: IncomingHttpHeaders[] = [];
  /** Status and challenge of every answer the client got from the proxy. */
  const answers: { status: number; challenge: string | null }[] = [];
  // The v2 client registers and asks for the scopes of the 401 challenge instead of these.
  const provider = new DiscoveringProvider(ALL_SCOPES.join(' '));
  const callbacks: URL[] = [];
  let client: Client;

  beforeAll(async () => {
    path = await startFullPath();
    path.server.httpServer.prependListener('request', (req) => reached.push(req.headers));
  });
  afterAll(async () => {
    await client?.close();
    await path?.stop();
  });

  const newClient = () =>
    new Client(
      { name: 'oauth-test-v2', version: '2.0.0' },
      { versionNegotiation: { mode: { pin: MODERN } } },
    );
  const newTransport = () =>
    new StreamableHTTPClientTransport(new URL(path.mcpUrl), {
      authProvider: provider,
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        if (String(url) === path.mcpUrl) {
          answers.push({ status: response.status, challenge: response.headers.get('www-authenticate') });
        }
        return response;
      },
    });

  /** The person at the browser, granting `scope` when given instead of all the client asked for. */
  async function consent(scope?: string) {
    const url = new URL(provider.authorizationUrl ?? 'about:blank');
    if (scope) url.searchParams.set('scope', scope);
    const callback = await authorize(url, DEMO_USER.name, DEMO_USER.password);
    callbacks.push(callback);
    // The whole callback query, so the client checks `iss` (RFC 9207) before redeeming the code.
    await newTransport().finishAuth(callback.searchParams);
  }

  it('registers, signs in with PKCE and connects by server/discover, without initialize', async () => {
    client = newClient();
    await expect(client.connect(newTransport())).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.clientInformation()?.client_id).toBeTruthy();
    const asked = provider.authorizationUrl;
    expect(asked?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(asked?.searchParams.get('resource')).toBe(path.mcpUrl);
    // The person grants only reading notes; the step-up below has to widen it.
    await consent('notes:read');
    expect(callbacks[0]?.searchParams.get('iss')).toBe(path.idp.issuer);
    expect(provider.tokens()?.scope?.split(' ').sort()).toEqual(['notes:read']);

    const before = reached.length;
    client = newClient();
    await client.connect(newTransport());
    expect(client.getProtocolEra()).toBe('modern');
    expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
    const methods = reached.slice(before).map((headers) => headers['mcp-method']);
    expect(methods).toEqual(['server/discover']);
    expect(reached.slice(before).every((headers) => headers['mcp-protocol-version'] === MODERN)).toBe(true);
  });

  it('lists only the tools the granted scopes allow', async () => {
    const { tools } = await client.listTools();
    const readable = CATALOGUE.filter((row) => row.scope === 'notes:read' && !row.alsoNeeds?.length);
    expect(tools.map((tool) => tool.name).sort()).toEqual(readable.map((row) => row.name).sort());
  });

  it('calls a tool on the Nextcloud stand-in with an exchanged token', async () => {
    const before = reached.length;
    const listed = await client.callTool({ name: 'nc_notes_list_notes', arguments: {} });
    expect(listed.isError).toBeFalsy();
    expect(reached.slice(before).map((headers) => headers['mcp-name'])).toEqual(['nc_notes_list_notes']);
    const metrics = await (await fetch(path.proxy.metricsUrl)).text();
    expect(metrics).toMatch(/mcp_proxy_token_exchanges_total\{result="ok"\} [1-9]/);
  });

  it('steps up on 403 insufficient_scope: asks again for the union, then the call succeeds', async () => {
    const create = { name: 'nc_notes_create_note', arguments: { title: 'Stepped up', content: 'v2' } };
    const before = reached.length;
    // The client re-authorises by itself; being interactive, that ends at the browser.
    await expect(client.callTool(create)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(reached.length).toBe(before);
    const challenge = answers.at(-1);
    expect(challenge?.status).toBe(403);
    expect(challenge?.challenge).toContain('error="insufficient_scope"');
    const challenged = /scope="([^"]*)"/.exec(challenge?.challenge ?? '')?.[1]?.split(' ') ?? [];
    expect(challenged.sort()).toEqual(['notes:read', 'notes:write']);
    // It asks for the union of the scope it holds and the challenged ones (offline_access it
    // adds itself, as the IdP offers it), not for the 401's full list again.
    const asked = provider.authorizationUrl?.searchParams.get('scope')?.split(' ') ?? [];
    expect(asked.sort()).toEqual(['notes:read', 'notes:write', 'offline_access']);
    await consent();
    expect(provider.tokens()?.scope?.split(' ')).toContain('notes:write');
    const created = await client.callTool(create);
    expect(created.isError).toBeFalsy();
    const { id } = created.structuredContent as { id: number };
    const read = await client.callTool({ name: 'nc_notes_get_note', arguments: { note_id: id } });
    expect((read.structuredContent as { content: string }).content).toBe('v2');
  });

  it('keeps listing the narrower tools from its cache after a step-up, until asked to refresh', async () => {
    // tools/list is private with a 60 s TTL, and the client's cache partition does not follow
    // the token: a host must refresh after a step-up (or set cachePartition per grant).
    const before = reached.length;
    const cached = (await client.listTools()).tools.map((tool) => tool.name);
    expect(cached).not.toContain('nc_notes_create_note');
    expect(reached.length).toBe(before);
    const fresh = (await client.listTools(undefined, { cacheMode: 'refresh' })).tools.map(
      (tool) => tool.name,
    );
    expect(fresh).toContain('nc_notes_create_note');
    expect(reached.slice(before).map((headers) => headers['mcp-method'])).toEqual(['tools/list']);
  });

  it('is refused -32020 by the proxy, before the server, when its headers contradict the body', async () => {
    const before = reached.length;
    const response = await fetch(path.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${provider.tokens()?.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'nc_notes_list_notes',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'nc_notes_delete_note',
          arguments: { note_id: 1 },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': MODERN,
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id: 1, error: { code: -32020 } });
    expect(reached.length).toBe(before);
  });
});
