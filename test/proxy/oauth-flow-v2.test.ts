import {
  Client,
  StreamableHTTPClientTransport,
  type StreamableHTTPClientTransportOptions,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES } from '../../contract/index.js';
import {
  consent,
  DiscoveringProvider,
  otherSubjectToken,
  replaySession,
  toolsGrantedBy,
  useFullPath,
} from './client-journey.js';

const MODERN = '2026-07-28';

/**
 * The same journey as oauth-flow-v1.test.ts, made by the SDK v2 client pinned to 2026-07-28: it must
 * discover, register, sign in, list, call and step up through the proxy without `initialize`.
 */
describe('the whole request path with the v2 MCP client in 2026-07-28 mode', () => {
  const journey = useFullPath();
  const { reached, answers } = journey;
  // The v2 client registers and asks for the scopes of the 401 challenge instead of these.
  const provider = new DiscoveringProvider(ALL_SCOPES.join(' '));
  let client: Client;
  afterAll(async () => {
    await client?.close();
  });

  const newClient = () =>
    new Client(
      { name: 'oauth-test-v2', version: '2.0.0' },
      { versionNegotiation: { mode: { pin: MODERN } } },
    );
  const newTransport = () =>
    new StreamableHTTPClientTransport(new URL(journey.path.mcpUrl), {
      authProvider: provider,
      fetch: journey.fetch,
    });
  /** The person consents; the whole callback query goes back, so the client checks `iss` (RFC 9207). */
  async function finish(scope?: string): Promise<URL> {
    const callback = await consent(provider.authorizationUrl, scope);
    await newTransport().finishAuth(callback.searchParams);
    return callback;
  }

  it('registers, signs in with PKCE and connects by server/discover, without initialize', async () => {
    client = newClient();
    await expect(client.connect(newTransport())).rejects.toBeInstanceOf(UnauthorizedError);
    expect(journey.registered).toEqual([provider.clientInformation()?.client_id]);
    const asked = provider.authorizationUrl;
    expect(asked?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(asked?.searchParams.get('resource')).toBe(journey.path.mcpUrl);
    // The person grants only reading notes; the step-up below has to widen it.
    const callback = await finish('notes:read');
    expect(callback.searchParams.get('iss')).toBe(journey.path.idp.issuer);
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
    expect(tools.map((tool) => tool.name).sort()).toEqual(toolsGrantedBy('notes:read'));
  });

  it('calls a tool on the Nextcloud stand-in with an exchanged token', async () => {
    const before = reached.length;
    const listed = await client.callTool({ name: 'nc_notes_list_notes', arguments: {} });
    expect(listed.isError).toBeFalsy();
    expect(reached.slice(before).map((headers) => headers['mcp-name'])).toEqual(['nc_notes_list_notes']);
    const metrics = await (await fetch(journey.path.proxy.metricsUrl)).text();
    expect(metrics).toMatch(/nextcloud_mcp_proxy_token_exchanges_total\{result="ok"\} [1-9]/);
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
    await finish();
    expect(provider.tokens()?.scope?.split(' ')).toContain('notes:write');
    const created = await client.callTool(create);
    expect(created.isError).toBeFalsy();
    const { id } = created.structuredContent as { id: number };
    const read = await client.callTool({ name: 'nc_notes_get_note', arguments: { note_id: id } });
    expect((read.structuredContent as { content: string }).content).toBe('v2');
  });

  it('keeps listing the narrower tools from its cache after a step-up, until asked to refresh', async () => {
    // Finding: tools/list is private with a 60 s TTL, and the client's cache partition does not
    // follow the token: a host must refresh after a step-up (or set cachePartition per grant).
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
    // The client names the tool it calls; whoever rewrites the header would route on another.
    await journey.tampered({ 'mcp-name': 'nc_notes_get_note' }, () =>
      expect(client.callTool({ name: 'nc_notes_list_notes', arguments: {} })).rejects.toMatchObject({
        code: -32020,
      }),
    );
    expect(answers.at(-1)?.status).toBe(400);
    // Before the call the client may fetch tools/list for the tool's definition; that carries the
    // stray Mcp-Name too, a name a list cannot back, so nothing at all reaches the server.
    expect(reached.slice(before)).toEqual([]);
  });
});

/**
 * The v2 client as most hosts will first run it: without `versionNegotiation` it is a 2025-11-25
 * client (initialize, sessions), and the proxy binds its session to the subject as for v1.
 */
describe('the v2 MCP client in its default negotiation, and in auto', () => {
  const journey = useFullPath();
  const { reached } = journey;
  const provider = new DiscoveringProvider(ALL_SCOPES.join(' '));
  const info = { name: 'oauth-test-v2-default', version: '2.0.0' };
  let client: Client;
  let transport: StreamableHTTPClientTransport;
  afterAll(async () => {
    await client?.close();
  });
  const newTransport = (options: StreamableHTTPClientTransportOptions = {}) =>
    new StreamableHTTPClientTransport(new URL(journey.path.mcpUrl), {
      authProvider: provider,
      fetch: journey.fetch,
      ...options,
    });

  it('speaks 2025-11-25 by default: initialize, and a session id bound to its subject', async () => {
    await expect(new Client(info).connect(newTransport())).rejects.toBeInstanceOf(UnauthorizedError);
    await newTransport().finishAuth((await consent(provider.authorizationUrl, 'notes:read')).searchParams);
    const before = reached.length;
    client = new Client(info);
    transport = newTransport();
    await client.connect(transport);
    expect(client.getProtocolEra()).toBe('legacy');
    expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
    expect(reached.slice(before).every((headers) => headers['mcp-method'] === undefined)).toBe(true);
    expect(transport.sessionId).toMatch(/^v1\./);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(toolsGrantedBy('notes:read'));
  });

  it('answers 404 to another subject presenting that session id, and keeps serving its owner', async () => {
    const sessionId = transport.sessionId ?? '';
    const mallory = await otherSubjectToken(journey.path);
    const before = reached.length;
    expect(await replaySession(journey.path, sessionId, mallory)).toBe(404);
    expect(reached.length).toBe(before);
    const listed = await client.callTool({ name: 'nc_notes_list_notes', arguments: {} });
    expect(listed.isError).toBeFalsy();
    expect(transport.sessionId).toBe(sessionId);
  });

  it("probes with server/discover in 'auto', picks 2026-07-28 here and holds no session", async () => {
    const auto = new Client(info, { versionNegotiation: { mode: 'auto' } });
    const modern = newTransport();
    const before = reached.length;
    await auto.connect(modern);
    try {
      expect(auto.getNegotiatedProtocolVersion()).toBe(MODERN);
      expect(reached.slice(before).map((headers) => headers['mcp-method'])).toEqual(['server/discover']);
      expect(modern.sessionId).toBeUndefined();
    } finally {
      await auto.close();
    }
  });

  // Finding: the SDK cannot pin a 2025 revision; the default ('legacy') mode is the 2025 client.
  it('cannot be pinned to 2025-11-25', async () => {
    const pinned = new Client(info, { versionNegotiation: { mode: { pin: '2025-11-25' } } });
    await expect(pinned.connect(newTransport())).rejects.toThrow(/not a modern protocol revision/);
  });
});
