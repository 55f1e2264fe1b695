import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES } from '../../contract/index.js';
import { call } from '../harness.js';
import { MemoryOAuthProvider } from '../oauth-client.js';
import { consent, otherSubjectToken, replaySession, toolsGrantedBy, useFullPath } from './client-journey.js';

/** The scope list of a `WWW-Authenticate` challenge, sorted. */
const scopesOf = (challenge: string | null | undefined) =>
  (/scope="([^"]*)"/.exec(challenge ?? '')?.[1]?.split(' ') ?? []).sort();

/**
 * The whole local path with the SDK v1 client, a 2025-11-25 client: dynamic registration, PKCE,
 * the list the grant allows, a call, step-up, a refused header/body mismatch and a
 * subject-bound session.
 */
describe('the whole request path with the SDK v1 client (2025-11-25)', () => {
  const journey = useFullPath();
  // Registered with these; the client asks for the scopes of the 401 challenge instead.
  const provider = new MemoryOAuthProvider(ALL_SCOPES.join(' '));
  const { answers } = journey;
  let client: Client;
  let transport: StreamableHTTPClientTransport;
  afterAll(async () => {
    await client?.close();
  });

  const newTransport = () =>
    new StreamableHTTPClientTransport(new URL(journey.path.mcpUrl), {
      authProvider: provider,
      fetch: journey.fetch,
    });
  const newClient = () => new Client({ name: 'oauth-test-v1', version: '1.0.0' });
  const codeOf = (callback: URL) => callback.searchParams.get('code') ?? '';

  it('registers dynamically, signs in with PKCE for the challenged scopes and opens a bound session', async () => {
    await expect(newClient().connect(newTransport())).rejects.toBeInstanceOf(UnauthorizedError);
    expect(journey.registered).toEqual([provider.clientInformation()?.client_id]);
    const asked = provider.authorizationUrl;
    expect(asked?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(asked?.searchParams.get('resource')).toBe(journey.path.mcpUrl);
    // It asks for what the 401 names (the tenant's tool scopes), not its own metadata's list.
    expect(answers.at(-1)?.status).toBe(401);
    expect(asked?.searchParams.get('scope')?.split(' ').sort()).toEqual(scopesOf(answers.at(-1)?.challenge));
    // The person grants only reading notes; the step-up below has to widen it.
    await newTransport().finishAuth(codeOf(await consent(asked, 'notes:read')));
    expect(provider.tokens()?.scope).toBe('notes:read');

    const before = journey.reached.length;
    client = newClient();
    transport = newTransport();
    await client.connect(transport);
    expect(journey.reached.length).toBeGreaterThan(before);
    // 2025 has no Mcp-Method header: the v1 client sends none.
    expect(journey.reached.slice(before).every((headers) => headers['mcp-method'] === undefined)).toBe(true);
    expect(journey.reached.at(-1)?.['mcp-protocol-version']).toBe('2025-11-25');
    expect(transport.sessionId).toMatch(/^v1\./);
  });

  it('lists only the tools the granted scope allows', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(toolsGrantedBy('notes:read'));
  });

  it('calls a tool on the Nextcloud stand-in with an exchanged token', async () => {
    const before = journey.reached.length;
    const listed = await call(client, 'nc_notes_list_notes');
    expect(listed.isError).toBeFalsy();
    const forwarded = journey.reached.slice(before);
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]?.authorization).not.toBe(`Bearer ${provider.tokens()?.access_token}`);
    const metrics = await (await fetch(journey.path.proxy.metricsUrl)).text();
    expect(metrics).toMatch(/nextcloud_mcp_proxy_token_exchanges_total\{result="ok"\} [1-9]/);
    expect(metrics).toMatch(/nextcloud_mcp_proxy_jwks_fetches_total 1\b/);
  });

  it('steps up on 403 insufficient_scope, asking for the union of granted and needed scopes', async () => {
    const create = { title: 'Stepped up', content: 'v1' };
    const before = journey.reached.length;
    // The client re-authorises by itself; being interactive, that ends at the browser.
    await expect(call(client, 'nc_notes_create_note', create)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(journey.reached.length).toBe(before);
    expect(answers.at(-1)?.status).toBe(403);
    expect(answers.at(-1)?.challenge).toContain('error="insufficient_scope"');
    const asked = provider.authorizationUrl?.searchParams.get('scope')?.split(' ').sort();
    // Unlike the v2 client, it adds no offline_access of its own, and so no prompt=consent.
    expect(asked).toEqual(['notes:read', 'notes:write']);
    expect(provider.authorizationUrl?.searchParams.get('prompt')).toBeNull();
    await transport.finishAuth(codeOf(await consent(provider.authorizationUrl)));
    expect(provider.tokens()?.scope?.split(' ').sort()).toEqual(['notes:read', 'notes:write']);

    const created = await call(client, 'nc_notes_create_note', create);
    expect(created.isError, created.text).toBeFalsy();
    const read = await call(client, 'nc_notes_get_note', { note_id: created.data.id });
    expect(read.data.content).toBe('v1');
    // No list cache in v1: the next tools/list already follows the wider token.
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('nc_notes_create_note');
  });

  it('is refused 400 before the server when a routing header contradicts the body', async () => {
    const before = journey.reached.length;
    // Whoever routes or logs on the header would see a read; the body lists notes instead.
    await journey.tampered({ 'mcp-method': 'tools/call', 'mcp-name': 'nc_notes_get_note' }, () =>
      expect(call(client, 'nc_notes_list_notes')).rejects.toMatchObject({ code: 400 }),
    );
    expect(answers.at(-1)?.status).toBe(400);
    expect(journey.reached.length).toBe(before);
    expect((await call(client, 'nc_notes_list_notes')).isError).toBeFalsy();
  });

  it('answers 404 to another subject presenting its session id, and keeps serving its owner', async () => {
    const sessionId = transport.sessionId ?? '';
    const mallory = await otherSubjectToken(journey.path);
    const before = journey.reached.length;
    expect(await replaySession(journey.path, sessionId, mallory)).toBe(404);
    expect(journey.reached.length).toBe(before);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    expect(transport.sessionId).toBe(sessionId);
  });
});
