import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeUserId } from '../../contract/index.js';
import { DEMO_USER, type FullPath, OTHER_USER, PROXY_CLIENT, startFullPath } from '../../dev/full-path.js';
import { createSigningKey, type SigningKey } from '../../dev/signing-key.js';

/** Requests to the proxy with hand-made tokens, each checked for status, challenge and reach. */
describe('the proxy refuses what it must, and tells the client only what it should', () => {
  let path: FullPath;
  let key: JWK;
  let signer: SigningKey;
  /** Headers of every request that reached the MCP server. */
  const reached: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    signer = await createSigningKey('test-1');
    key = signer.jwk;
    path = await startFullPath({ signingJwk: key });
    path.server.httpServer.prependListener('request', (req) => reached.push(req.headers));
  });
  afterAll(async () => {
    await path?.stop();
  });

  const resourceMetadata = () =>
    `${path.mcpUrl.replace(/\/mcp$/, '')}/.well-known/oauth-protected-resource/mcp`;

  function token(claims: JWTPayload = {}, header: { alg?: string; kid?: string } = {}): Promise<string> {
    return signer.sign(
      {
        iss: path.idp.issuer,
        sub: DEMO_USER.name,
        preferred_username: DEMO_USER.name,
        // As the IdP issues them: the resource and the proxy's client, which may exchange it.
        aud: [path.mcpUrl, PROXY_CLIENT.id],
        scope: 'notes:read notes:write',
        iat: Math.floor(Date.now() / 1000),
        ...claims,
      },
      header,
    );
  }

  function rpc(method: string, params: Record<string, unknown> = {}) {
    return JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  }
  const listTools = rpc('tools/list');
  const initialize = rpc('initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'attacker', version: '1' },
  });

  async function post(bearer: string | undefined, body = listTools, headers: Record<string, string> = {}) {
    const before = reached.length;
    const response = await fetch(path.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
        ...headers,
      },
      body,
    });
    return { response, reachedServer: reached.length > before, text: await response.text() };
  }

  const unsigned = (payload: object, header: object) =>
    `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

  it('challenges a request without a token, pointing at the metadata and offering the scopes', async () => {
    const { response, reachedServer } = await post(undefined);
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(`resource_metadata="${resourceMetadata()}"`);
    expect(challenge).toContain('scope="notes:read notes:write');
    expect(challenge).not.toContain('error=');
    expect(reachedServer).toBe(false);
  });

  it.each<[string, () => Promise<string>]>([
    ['malformed', async () => 'not-a-jwt.at.all'],
    ['alg none', async () => unsigned({ iss: 'x', sub: 'demo', exp: 9e9 }, { alg: 'none' })],
    [
      'HS256 signed with the public key',
      async () => {
        const publicJwk = { kty: 'RSA', n: key.n, e: key.e };
        const now = Math.floor(Date.now() / 1000);
        return new SignJWT({
          iss: path.idp.issuer,
          sub: 'demo',
          aud: path.mcpUrl,
          scope: 'notes:read',
          exp: now + 60,
        })
          .setProtectedHeader({ alg: 'HS256', kid: key.kid })
          .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
      },
    ],
    ['unknown kid', () => token({}, { kid: 'no-such-key' })],
    ['wrong issuer', () => token({ iss: 'https://evil.example/realms/x' })],
    ['expired', () => token({ exp: Math.floor(Date.now() / 1000) - 120 })],
    ['not yet valid', () => token({ nbf: Math.floor(Date.now() / 1000) + 300 })],
    ['audience only nextcloud', () => token({ aud: 'nextcloud' })],
    ['audience absent', () => token({ aud: undefined })],
    ['audience of another resource', () => token({ aud: 'https://other.example/mcp' })],
    [
      'signed by another key with our kid',
      async () => {
        const other = await generateKeyPair('RS256');
        return new SignJWT({
          iss: path.idp.issuer,
          sub: 'demo',
          aud: path.mcpUrl,
          scope: 'notes:read',
          exp: 9e9,
        })
          .setProtectedHeader({ alg: 'RS256', kid: key.kid })
          .sign(other.privateKey);
      },
    ],
  ])('refuses a token that is %s with 401 invalid_token and never forwards it', async (_name, make) => {
    const { response, reachedServer, text } = await post(await make());
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain(`resource_metadata="${resourceMetadata()}"`);
    expect(text).not.toMatch(/expired|issuer|audience|signature|kid|alg/i);
    expect(reachedServer).toBe(false);
  });

  it('fetches the JWKS at most twice for a flood of 1,000 unknown key ids', async () => {
    const fetches = async () =>
      Number(
        /mcp_proxy_jwks_fetches_total (\d+)/.exec(await (await fetch(path.proxy.metricsUrl)).text())?.[1] ??
          0,
      );
    const before = await fetches();
    const tokens = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => token({}, { kid: `random-${i}` })),
    );
    for (let i = 0; i < tokens.length; i += 100) {
      const batch = await Promise.all(tokens.slice(i, i + 100).map((t) => post(t)));
      expect(batch.every(({ response }) => response.status === 401)).toBe(true);
    }
    expect((await fetches()) - before).toBeLessThanOrEqual(2);
  });

  it('asks to step up for a tool whose scope the token lacks, before forwarding', async () => {
    const readOnly = await token({ scope: 'openid notes:read files:read' });
    const call = rpc('tools/call', { name: 'nc_notes_create_note', arguments: { title: 'x' } });
    const { response, reachedServer } = await post(readOnly, call);
    expect(response.status).toBe(403);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="notes:write notes:read files:read"');
    expect(challenge).toContain(`resource_metadata="${resourceMetadata()}"`);
    expect(reachedServer).toBe(false);
  });

  it('refuses a token with no tool scope at all', async () => {
    const { response, reachedServer } = await post(await token({ scope: 'openid profile' }));
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(reachedServer).toBe(false);
  });

  it('strips client-sent contract headers and sets its own', async () => {
    const { response, reachedServer } = await post(await token(), listTools, {
      'x-nextcloud-mcp-user': OTHER_USER.name,
      'x-nextcloud-mcp-scopes': 'files:write sharing:write',
    });
    expect(response.status).toBe(200);
    expect(reachedServer).toBe(true);
    const seen = reached.at(-1) ?? {};
    expect(seen['x-nextcloud-mcp-user']).toBe(DEMO_USER.name);
    expect(seen['x-nextcloud-mcp-scopes']).toBe('notes:read notes:write');
    expect(seen.authorization).toMatch(/^Bearer /);
    expect(seen.authorization).not.toContain(await token());
  });

  it.each(['张伟', 'Łukasz', 'jörg', 'a%20b'])(
    'forwards the user %s so that the server reads it back',
    async (name) => {
      const { response, reachedServer } = await post(await token({ preferred_username: name }));
      expect(response.status).toBe(200);
      expect(reachedServer).toBe(true);
      const seen = String(reached.at(-1)?.['x-nextcloud-mcp-user']);
      expect(seen).toMatch(/^[\x21-\x7e]+$/);
      expect(decodeUserId(seen)).toBe(name);
    },
  );

  it('binds a session id to its subject: another subject presenting it gets 404', async () => {
    const opened = await post(await token(), initialize);
    expect(opened.response.status).toBe(200);
    const session = opened.response.headers.get('mcp-session-id');
    expect(session).toBeTruthy();
    const same = await post(await token(), listTools, { 'mcp-session-id': session ?? '' });
    expect(same.response.status).toBe(200);
    const stolen = await post(
      await token({ sub: OTHER_USER.name, preferred_username: OTHER_USER.name }),
      listTools,
      {
        'mcp-session-id': session ?? '',
      },
    );
    expect(stolen.response.status).toBe(404);
    expect(stolen.reachedServer).toBe(false);
    const forged = await post(await token(), listTools, { 'mcp-session-id': `${session}x` });
    expect(forged.response.status).toBe(404);
  });

  it('refuses oversize bodies (413) and headers (431) without forwarding', async () => {
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: { pad: 'x'.repeat(5 * 1024 * 1024) },
    });
    const body = await post(await token(), big);
    expect(body.response.status).toBe(413);
    expect(body.reachedServer).toBe(false);
    const headers = await post(await token(), listTools, { 'x-padding': 'y'.repeat(20_000) });
    expect(headers.response.status).toBe(431);
    expect(headers.reachedServer).toBe(false);
  });

  /** A raw POST that sends its body only once the proxy answers `100 Continue`, as curl does past 1 MiB. */
  function postExpectingContinue(bearer: string, body: string) {
    return new Promise<{ status: number; continued: boolean; text: string }>((resolve, reject) => {
      let continued = false;
      const req = httpRequest(path.mcpUrl, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${bearer}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': Buffer.byteLength(body),
          expect: '100-continue',
        },
      });
      req.once('continue', () => {
        continued = true;
        req.end(body);
      });
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', () =>
          resolve({ status: res.statusCode ?? 0, continued, text: Buffer.concat(chunks).toString() }),
        );
        // Refused before the body was asked for: the request ends without it.
        if (!continued) req.destroy();
      });
      req.once('error', (error) => (continued ? reject(error) : undefined));
      req.flushHeaders();
    });
  }

  it('serves a request that expects 100-continue end to end, and refuses a bad token or a body too large before it is sent', async () => {
    const big = rpc('tools/call', {
      name: 'nc_notes_search_notes',
      arguments: { query: 'x'.repeat(1.5 * 1024 * 1024) },
    });
    const before = reached.length;
    const served = await postExpectingContinue(await token(), big);
    expect(served.status).toBe(200);
    expect(served.continued).toBe(true);
    expect(served.text).toContain('"jsonrpc"');
    expect(reached.length).toBe(before + 1);
    expect(reached.at(-1)?.expect).toBeUndefined();
    const refused = await postExpectingContinue('not-a-jwt.at.all', big);
    expect(refused.status).toBe(401);
    expect(refused.continued).toBe(false);
    // A body that cannot be held (over its limit, or the budget of all) is refused before it is sent.
    const tooLarge = await postExpectingContinue(await token(), 'x'.repeat(5 * 1024 * 1024));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.continued).toBe(false);
  });

  it('refuses a foreign browser Origin (DNS rebinding, MCP transport security) before anything else', async () => {
    const foreign = await post(await token(), listTools, { origin: 'http://evil.example' });
    expect(foreign.response.status).toBe(403);
    expect(foreign.response.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreign.reachedServer).toBe(false);
    const preflight = await fetch(path.mcpUrl, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const own = new URL(path.mcpUrl).origin;
    const same = await post(await token(), listTools, { origin: own });
    expect(same.response.status).toBe(200);
    expect(same.response.headers.get('access-control-allow-origin')).toBe(own);
    expect(reached.at(-1)?.origin).toBeUndefined();
    expect((await post(await token())).response.status).toBe(200);
  });

  it('answers 401 when the IdP refuses the exchange (access_denied)', async () => {
    // Accepted by the proxy (the resource is an accepted audience) but without the proxy's client
    // in `aud`, so the IdP will not let the proxy exchange it.
    const { response, reachedServer } = await post(await token({ aud: path.mcpUrl }));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(reachedServer).toBe(false);
  });
});
