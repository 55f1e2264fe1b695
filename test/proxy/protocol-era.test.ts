import type { IncomingHttpHeaders } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_USER, type FullPath, PROXY_CLIENT, startFullPath } from '../../dev/full-path.js';
import { createSigningKey, type SigningKey } from '../../dev/signing-key.js';
import { SessionBinder } from '../../proxy/session.js';

const MODERN = '2026-07-28';
const META = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': {},
};
const b64 = (value: string) => `=?base64?${Buffer.from(value).toString('base64')}?=`;

/**
 * One endpoint, both MCP eras: a 2026-07-28 request is told apart by its `_meta` version and
 * header, its routing headers must agree with its body before anything is exchanged or forwarded,
 * it gets no session, and its refusals (but 401/403) are JSON-RPC errors a dual-era client reads.
 */
describe('the proxy speaks MCP 2026-07-28 beside the 2025 revisions', () => {
  let path: FullPath;
  let signer: SigningKey;
  /** Headers of every request that reached the MCP server. */
  const reached: IncomingHttpHeaders[] = [];
  /** The audit lines the proxy wrote. */
  const audits: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.audit) audits.push(entry);
      },
    },
  );

  beforeAll(async () => {
    signer = await createSigningKey('era-1');
    path = await startFullPath({ signingJwk: signer.jwk, log });
    path.server.httpServer.prependListener('request', (req) => reached.push(req.headers));
  });
  afterAll(async () => {
    await path?.stop();
  });

  function token(scope = 'notes:read notes:write'): Promise<string> {
    return signer.sign({
      iss: path.idp.issuer,
      sub: DEMO_USER.name,
      preferred_username: DEMO_USER.name,
      aud: [path.mcpUrl, PROXY_CLIENT.id],
      scope,
      iat: Math.floor(Date.now() / 1000),
    });
  }

  async function exchanges(): Promise<number> {
    const text = await (await fetch(path.proxy.metricsUrl)).text();
    return [...text.matchAll(/^nextcloud_mcp_proxy_token_exchanges_total\{[^}]*\} (\d+)/gm)].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
  }

  const modern = (method: string, params: Record<string, unknown> = {}) =>
    JSON.stringify({ jsonrpc: '2.0', id: 7, method, params: { ...params, _meta: META } });
  const legacy = (method: string, params: Record<string, unknown> = {}) =>
    JSON.stringify({ jsonrpc: '2.0', id: 8, method, params });
  const modernHeaders = (method: string, name?: string): Record<string, string> => ({
    'mcp-protocol-version': MODERN,
    'mcp-method': method,
    ...(name === undefined ? {} : { 'mcp-name': name }),
  });

  async function post(body: string, headers: Record<string, string>, bearer?: string) {
    const before = reached.length;
    const exchangedBefore = await exchanges();
    const response = await fetch(path.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bearer ?? (await token())}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body,
    });
    const text = await response.text();
    return {
      response,
      text,
      reachedServer: reached.length > before,
      exchanged: (await exchanges()) > exchangedBefore,
      json: () => JSON.parse(text) as { jsonrpc?: string; id?: unknown; error?: { code: number } },
    };
  }

  const call = (name: string) => ({ name, arguments: { title: 'x' } });

  it.each<[string, string, Record<string, string>]>([
    ['no Mcp-Method', modern('tools/list'), { 'mcp-protocol-version': MODERN }],
    [
      'Mcp-Method naming another method',
      modern('tools/call', call('nc_notes_get_note')),
      modernHeaders('tools/list'),
    ],
    [
      'no Mcp-Name on tools/call',
      modern('tools/call', call('nc_notes_get_note')),
      modernHeaders('tools/call'),
    ],
    [
      'Mcp-Name naming another tool',
      modern('tools/call', call('nc_notes_delete_note')),
      modernHeaders('tools/call', 'nc_notes_get_note'),
    ],
    [
      'Mcp-Name naming another resource',
      modern('resources/read', { uri: 'nc://notes/2' }),
      modernHeaders('resources/read', 'nc://notes/1'),
    ],
    ['no Mcp-Name on prompts/get', modern('prompts/get', { name: 'summary' }), modernHeaders('prompts/get')],
    [
      'a version header other than _meta',
      modern('tools/list'),
      { ...modernHeaders('tools/list'), 'mcp-protocol-version': '2025-11-25' },
    ],
    ['no version header', modern('tools/list'), { 'mcp-method': 'tools/list' }],
    [
      'a broken base64 Mcp-Name',
      modern('prompts/get', { name: 'x' }),
      modernHeaders('prompts/get', '=?base64?!!?='),
    ],
  ])(
    'refuses a 2026 request with %s: 400 HeaderMismatch, no exchange, no forward',
    async (_name, body, headers) => {
      const answer = await post(body, headers);
      expect(answer.response.status).toBe(400);
      expect(answer.json()).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32020 } });
      expect(answer.reachedServer).toBe(false);
      expect(answer.exchanged).toBe(false);
    },
  );

  it('forwards a 2026 request whose headers agree, routing headers intact, and mints no session', async () => {
    const name = 'nc_notes_get_note';
    const answer = await post(modern('tools/call', call(name)), {
      ...modernHeaders('tools/call', name),
      'mcp-session-id': 'v1.not-a-session.x.y',
    });
    // What the server answers is not the proxy's decision; that it got the request, unbound, is.
    expect(answer.reachedServer).toBe(true);
    const seen = reached.at(-1) ?? {};
    expect(seen['mcp-method']).toBe('tools/call');
    expect(seen['mcp-name']).toBe(name);
    expect(seen['mcp-protocol-version']).toBe(MODERN);
    expect(seen['mcp-session-id']).toBeUndefined();
    expect(answer.response.headers.get('mcp-session-id')).toBeNull();
  });

  it('decodes a base64 Mcp-Name before comparing it with the body', async () => {
    const uri = 'nc://files/Überweisung 2026.pdf';
    const agrees = await post(modern('resources/read', { uri }), modernHeaders('resources/read', b64(uri)));
    expect(agrees.reachedServer).toBe(true);
    const other = await post(
      modern('resources/read', { uri }),
      modernHeaders('resources/read', b64(`${uri}x`)),
    );
    expect(other.response.status).toBe(400);
    expect(other.reachedServer).toBe(false);
  });

  it('checks scopes against the body, and steps up with 403 and a challenge in both eras', async () => {
    const readOnly = await token('notes:read');
    const create = 'nc_notes_create_note';
    for (const [body, headers] of [
      [modern('tools/call', call(create)), modernHeaders('tools/call', create)],
      [legacy('tools/call', call(create)), {}],
    ] as const) {
      const answer = await post(body, headers, readOnly);
      expect(answer.response.status).toBe(403);
      expect(answer.response.headers.get('www-authenticate')).toContain('scope="notes:write notes:read"');
      expect(answer.reachedServer).toBe(false);
    }
  });

  it('treats a multi-round-trip retry as any call: scope-checked, then forwarded as it came', async () => {
    const retry = (name: string, args: Record<string, unknown>) =>
      modern('tools/call', {
        name,
        arguments: args,
        inputResponses: { confirm: { action: 'accept', content: { confirm: true } } },
        requestState: 'eyJ2IjoxfQ',
      });
    // A "yes" to a confirmation grants nothing: the token still needs the tool's scope.
    const book = 'nc_contacts_delete_addressbook';
    const refused = await post(retry(book, { name: 'contacts' }), modernHeaders('tools/call', book));
    expect(refused.response.status).toBe(403);
    expect(refused.reachedServer).toBe(false);
    const list = 'nc_notes_list_notes';
    const forwarded = await post(retry(list, {}), modernHeaders('tools/call', list));
    expect(forwarded.response.status).toBe(200);
    expect(forwarded.reachedServer).toBe(true);
    expect(reached.at(-1)?.['mcp-name']).toBe(list);
    expect(forwarded.json()).toMatchObject({ id: 7, result: { resultType: 'complete' } });
  });

  it('refuses a 2025 request whose routing headers contradict its body', async () => {
    const answer = await post(legacy('tools/call', call('nc_notes_delete_note')), {
      'mcp-method': 'tools/call',
      'mcp-name': 'nc_notes_get_note',
    });
    expect(answer.response.status).toBe(400);
    expect(answer.reachedServer).toBe(false);
    expect(answer.exchanged).toBe(false);
  });

  it('keeps subject-bound sessions for 2025 clients', async () => {
    const opened = await post(
      legacy('initialize', {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'c', version: '1' },
      }),
      {},
    );
    expect(opened.response.status).toBe(200);
    expect(opened.response.headers.get('mcp-session-id')).toMatch(/^v1\./);
    const forged = await post(legacy('tools/list'), { 'mcp-session-id': 'v1.x.y.z' });
    expect(forged.response.status).toBe(404);
  });

  it('answers 2026 refusals but 401/403 with a JSON-RPC error body', async () => {
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 9,
      method: 'tools/list',
      params: { _meta: META, pad: 'x'.repeat(5 * 1024 * 1024) },
    });
    const tooLarge = await post(big, modernHeaders('tools/list'));
    expect(tooLarge.response.status).toBe(413);
    expect(tooLarge.json()).toMatchObject({ jsonrpc: '2.0', error: { code: expect.any(Number) } });
    const broken = await post('{"jsonrpc":', modernHeaders('tools/list'));
    expect(broken.response.status).toBe(400);
    expect(broken.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    const batch = await post(`[${modern('tools/list')}]`, modernHeaders('tools/list'));
    expect(batch.response.status).toBe(400);
    expect(batch.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
    const unauthenticated = await post(modern('tools/list'), modernHeaders('tools/list'), 'x');
    expect(unauthenticated.response.status).toBe(401);
    expect(unauthenticated.response.headers.get('www-authenticate')).toContain('invalid_token');
    // A 2025 client keeps the OAuth-style body it always had.
    const legacyBroken = await post('{"jsonrpc":', {});
    expect(legacyBroken.json()).toMatchObject({ error: 'bad_request' });
  });

  it("writes the body's era and target to the audit line, bounded however long the name", async () => {
    const uri = `nc://notes/${'9'.repeat(100_000)}`;
    // Refused (the header cannot carry the whole URI), yet logged with what the body named.
    const before = audits.length;
    await post(modern('resources/read', { uri }), modernHeaders('resources/read', 'nc://notes/9'));
    await vi.waitFor(() => expect(audits.length).toBeGreaterThan(before));
    const line = audits.at(-1) ?? {};
    expect(line).toMatchObject({ era: 'modern', method: 'resources/read' });
    expect(String(line.target)).toMatch(/^nc:\/\/notes\/9+…$/);
    expect(String(line.target).length).toBeLessThanOrEqual(201);
  });

  it('lets browser clients send the 2026 routing headers (CORS preflight)', async () => {
    const preflight = await fetch(path.mcpUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:6274',
        'access-control-request-method': 'POST',
        'access-control-request-headers':
          'authorization,content-type,mcp-protocol-version,mcp-method,mcp-name',
      },
    });
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').split(',');
    expect(allowed).toEqual(expect.arrayContaining(['mcp-method', 'mcp-name', 'mcp-protocol-version']));
  });

  it('asks, in one challenge, for every scope a batch needs plus those held', async () => {
    const readOnly = await token('openid offline_access notes:read files:read');
    const batch = `[${legacy('tools/call', call('nc_notes_create_note'))},${legacy('tools/call', { name: 'nc_webdav_create_directory', arguments: { path: 'x' } })}]`;
    const answer = await post(batch, {}, readOnly);
    expect(answer.response.status).toBe(403);
    const scope = /scope="([^"]*)"/.exec(answer.response.headers.get('www-authenticate') ?? '')?.[1] ?? '';
    expect(scope.split(' ').sort()).toEqual(['files:read', 'files:write', 'notes:read', 'notes:write']);
  });

  it('never lists offline_access, in challenges or in the metadata', async () => {
    const unauthenticated = await post(modern('tools/list'), modernHeaders('tools/list'), 'x');
    expect(unauthenticated.response.headers.get('www-authenticate')).not.toContain('offline_access');
    const create = 'nc_notes_create_note';
    const stepUp = await post(
      modern('tools/call', call(create)),
      modernHeaders('tools/call', create),
      await token('offline_access notes:read'),
    );
    expect(stepUp.response.status).toBe(403);
    expect(stepUp.response.headers.get('www-authenticate')).not.toContain('offline_access');
    const metadata = (await (
      await fetch(`${path.mcpUrl.replace(/\/mcp$/, '')}/.well-known/oauth-protected-resource/mcp`)
    ).json()) as { scopes_supported: string[] };
    expect(metadata.scopes_supported).not.toContain('offline_access');
  });
});

describe('a 2025 session id, the only state, needs no replica of its own', () => {
  it('is opened by any replica sharing the secret, and by no other subject', () => {
    const [one, two] = [new SessionBinder('tenant-secret'), new SessionBinder('tenant-secret')];
    const id = one.issue('demo', 'upstream-1');
    expect(two.open('demo', id)).toBe('upstream-1');
    expect(() => two.open('mallory', id)).toThrow();
    expect(() => new SessionBinder('other-tenant').open('demo', id)).toThrow();
  });
});
