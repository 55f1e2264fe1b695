import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { decodeUserId } from '../../contract/index.js';
import { DEMO_USER, OTHER_USER } from '../../dev/full-path.js';
import type { WireRequest } from '../../dev/mcp-wire.js';
import { ERAS, type EraClient, expectRefusal, LEGACY, MODERN, rawHeaders } from './eras.js';
import { useSignedPath } from './fixture.js';

/**
 * What a request carries besides its token (contract headers, sizes, Expect, Origin, session
 * ids), as a 2025 and as a 2026-07-28 client sends it; sessions are one era's matter each.
 */
describe('the proxy trusts nothing else a request carries', () => {
  const env = useSignedPath('test-2');
  const mallory = () => env.token({ sub: OTHER_USER.name, preferred_username: OTHER_USER.name });

  /** A raw POST that sends its body only once the proxy answers `100 Continue`, as curl does past 1 MiB. */
  function postExpectingContinue(bearer: string, request: WireRequest, body = request.body) {
    return new Promise<{ status: number; continued: boolean; text: string }>((resolve, reject) => {
      let continued = false;
      const req = httpRequest(env.path.mcpUrl, {
        method: 'POST',
        headers: {
          ...rawHeaders(request, bearer),
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
        res.once('end', () => {
          resolve({ status: res.statusCode ?? 0, continued, text: Buffer.concat(chunks).toString() });
          // Refused before the body was asked for: the request ends without it.
          if (!continued) req.destroy();
        });
      });
      req.once('error', (error) => (continued ? reject(error) : undefined));
      req.flushHeaders();
    });
  }

  describe.each(ERAS)('from a $name client', (era: EraClient) => {
    const listTools = era.request('tools/list');

    it('strips client-sent contract headers and sets its own, leaving the MCP headers as sent', async () => {
      const { response, reachedServer } = await env.post(listTools, await env.token(), {
        'x-nextcloud-mcp-user': OTHER_USER.name,
        'x-nextcloud-mcp-scopes': 'files:write sharing:write',
      });
      expect(response.status).toBe(200);
      expect(reachedServer).toBe(true);
      const seen = env.reached.at(-1) ?? {};
      expect(seen['x-nextcloud-mcp-user']).toBe(DEMO_USER.name);
      expect(seen['x-nextcloud-mcp-scopes']).toBe('notes:read notes:write');
      expect(seen.authorization).toMatch(/^Bearer /);
      expect(seen.authorization).not.toContain(await env.token());
      for (const [name, value] of Object.entries(listTools.headers)) expect(seen[name]).toBe(value);
    });

    it.each(['张伟', 'Łukasz', 'jörg', 'a%20b'])(
      'forwards the user %s so that the server reads it back',
      async (name) => {
        const { response, reachedServer } = await env.post(
          listTools,
          await env.token({ preferred_username: name }),
        );
        expect(response.status).toBe(200);
        expect(reachedServer).toBe(true);
        const seen = String(env.reached.at(-1)?.['x-nextcloud-mcp-user']);
        expect(seen).toMatch(/^[\x21-\x7e]+$/);
        expect(decodeUserId(seen)).toBe(name);
      },
    );

    it('refuses oversize bodies (413) and headers (431) without forwarding', async () => {
      const big = era.request('tools/list', { pad: 'x'.repeat(5 * 1024 * 1024) });
      const body = await env.post(big, await env.token());
      // Refused while reading, before the body is parsed: no id to echo.
      expectRefusal(era, body.response, body.text, 413, null);
      expect(body.reachedServer).toBe(false);
      const headers = await env.post(listTools, await env.token(), { 'x-padding': 'y'.repeat(20_000) });
      expect(headers.response.status).toBe(431);
      expect(headers.reachedServer).toBe(false);
    });

    it('serves a request that expects 100-continue end to end, and refuses a bad token or a body too large before it is sent', async () => {
      const big = era.request('tools/call', {
        name: 'nc_notes_search_notes',
        arguments: { query: 'x'.repeat(1.5 * 1024 * 1024) },
      });
      const before = env.reached.length;
      const served = await postExpectingContinue(await env.token(), big);
      expect(served.status).toBe(200);
      expect(served.continued).toBe(true);
      expect(served.text).toContain('"jsonrpc"');
      expect(env.reached.length).toBe(before + 1);
      expect(env.reached.at(-1)?.expect).toBeUndefined();
      const refused = await postExpectingContinue('not-a-jwt.at.all', big);
      expectRefusal(era, refused, refused.text, 401);
      expect(refused.continued).toBe(false);
      // A body that cannot be held (over its limit, or the budget of all) is refused before it is sent.
      const tooLarge = await postExpectingContinue(await env.token(), big, 'x'.repeat(5 * 1024 * 1024));
      expectRefusal(era, tooLarge, tooLarge.text, 413, null);
      expect(tooLarge.continued).toBe(false);
    });

    it('refuses a foreign browser Origin (DNS rebinding, MCP transport security) before anything else', async () => {
      const foreign = await env.post(listTools, await env.token(), { origin: 'http://evil.example' });
      expectRefusal(era, foreign.response, foreign.text, 403);
      expect(foreign.response.headers.get('access-control-allow-origin')).toBeNull();
      expect(foreign.reachedServer).toBe(false);
      const preflight = await fetch(env.path.mcpUrl, {
        method: 'OPTIONS',
        headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      const own = new URL(env.path.mcpUrl).origin;
      const same = await env.post(listTools, await env.token(), { origin: own });
      expect(same.response.status).toBe(200);
      expect(same.response.headers.get('access-control-allow-origin')).toBe(own);
      expect(env.reached.at(-1)?.origin).toBeUndefined();
      expect((await env.post(listTools, await env.token())).response.status).toBe(200);
    });
  });

  /** A 2025 session the demo user opened, its bound id as the proxy handed it out. */
  async function openSession(): Promise<string> {
    const opened = await env.post(
      LEGACY.request('initialize', {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'attacker', version: '1' },
      }),
      await env.token(),
    );
    expect(opened.response.status).toBe(200);
    const session = opened.response.headers.get('mcp-session-id');
    expect(session).toMatch(/^v1\./);
    return session ?? '';
  }

  it('binds a 2025 session id to its subject: another subject presenting it gets 404', async () => {
    const session = await openSession();
    const listTools = LEGACY.request('tools/list');
    const same = await env.post(listTools, await env.token(), { 'mcp-session-id': session });
    expect(same.response.status).toBe(200);
    const stolen = await env.post(listTools, await mallory(), { 'mcp-session-id': session });
    expectRefusal(LEGACY, stolen.response, stolen.text, 404);
    expect(stolen.reachedServer).toBe(false);
    const forged = await env.post(listTools, await env.token(), { 'mcp-session-id': `${session}x` });
    expect(forged.response.status).toBe(404);
  });

  it('neither checks nor forwards the Mcp-Session-Id of a 2026 request, and mints none', async () => {
    const session = await openSession();
    const listTools = MODERN.request('tools/list');
    // Another subject's bound id, a forged one: a 2026 request has no session for either to name.
    for (const [presented, bearer] of [
      [session, await mallory()],
      [`${session}x`, await env.token()],
    ] as const) {
      const answer = await env.post(listTools, bearer, { 'mcp-session-id': presented });
      expect(answer.response.status).toBe(200);
      expect(answer.reachedServer).toBe(true);
      expect(env.reached.at(-1)?.['mcp-session-id']).toBeUndefined();
      expect(answer.response.headers.get('mcp-session-id')).toBeNull();
    }
  });
});
