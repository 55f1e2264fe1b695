import { request as httpRequest, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ERAS, type EraClient, expectRefusal, LEGACY, MODERN, postMcp, rawHeaders } from './eras.js';
import { useProxyPaths } from './fixture.js';

/** The proxy in front of an upstream the test steers: streaming, headers, shutdown, limits, sessions. */
describe('proxy operations towards the upstream', () => {
  const env = useProxyPaths('ops-1');

  describe.each(ERAS)('for a $name client', (era: EraClient) => {
    const toolsList = era.request('tools/list');

    it('streams SSE events as the upstream produces them, and a leaving client aborts the upstream', async () => {
      const { upstream, path } = await env.startWithUpstream();
      const abort = new AbortController();
      const responsePromise = postMcp(path.mcpUrl, toolsList, {
        bearer: await env.token(path),
        signal: abort.signal,
      });
      const { req, res: upstreamRes } = await upstream.arrival();
      // The MCP headers the client sent are what the upstream sees.
      for (const [name, value] of Object.entries(toolsList.headers)) expect(req.headers[name]).toBe(value);
      upstreamRes.writeHead(200, { 'content-type': 'text/event-stream' });
      upstreamRes.write('event: message\ndata: {"n":1}\n\n');
      const response = await responsePromise;
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      // The first event arrived while the upstream still holds the stream open.
      expect(first).toContain('"n":1');
      expect(upstreamRes.writableEnded).toBe(false);
      const upstreamClosed = new Promise((resolve) => upstreamRes.once('close', resolve));
      abort.abort();
      await upstreamClosed;
    });

    it('drops hop-by-hop headers both ways, including those named in Connection', async () => {
      const { upstream, path } = await env.startWithUpstream();
      // fetch() will not send Connection; a raw request can.
      const bearer = await env.token(path);
      const pending = new Promise<IncomingMessage>((resolve, reject) => {
        const outgoing = httpRequest(
          path.mcpUrl,
          {
            method: 'POST',
            headers: {
              ...rawHeaders(toolsList, bearer),
              connection: 'keep-alive, x-secret-hop',
              'x-secret-hop': 'should not pass',
              'proxy-authorization': 'Basic c2VjcmV0',
              'x-kept': 'yes',
            },
          },
          resolve,
        );
        outgoing.on('error', reject);
        outgoing.end(toolsList.body);
      });
      const { req, res } = await upstream.arrival();
      expect(req.headers['x-secret-hop']).toBeUndefined();
      expect(req.headers['proxy-authorization']).toBeUndefined();
      expect(req.headers['x-kept']).toBe('yes');
      res.writeHead(200, {
        'content-type': 'application/json',
        connection: 'x-upstream-hop',
        'x-upstream-hop': '1',
        'x-fine': '1',
      });
      res.end('{}');
      const response = await pending;
      response.resume();
      expect(response.headers['x-upstream-hop']).toBeUndefined();
      expect(response.headers['x-fine']).toBe('1');
    });

    it('drains an in-flight stream on shutdown, and refuses new connections', async () => {
      const { upstream, path } = await env.startWithUpstream({ SHUTDOWN_GRACE_MS: '5000' });
      const inFlight = postMcp(path.mcpUrl, toolsList, { bearer: await env.token(path) });
      const { res } = await upstream.arrival();
      const stopped = path.proxy.stop();
      await new Promise((resolve) => setTimeout(resolve, 50));
      await expect(fetch(`${path.mcpUrl.replace(/\/mcp$/, '')}/healthz`)).rejects.toThrow();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"late":true}');
      const response = await inFlight;
      expect(await response.json()).toEqual({ late: true });
      await stopped;
    });

    it('answers 504 when the upstream is too slow, and 429 past the per-subject concurrency', async () => {
      const { upstream, path } = await env.startWithUpstream({
        UPSTREAM_TIMEOUT_MS: '300',
        MAX_CONCURRENT_PER_SUBJECT: '1',
      });
      const bearer = await env.token(path);
      const slow = postMcp(path.mcpUrl, toolsList, { bearer });
      await upstream.arrival();
      const second = await postMcp(path.mcpUrl, toolsList, { bearer });
      // Refused before its body is read: no id to echo.
      expectRefusal(era, second, await second.text(), 429, null);
      expect(second.headers.get('retry-after')).toBe('1');
      const timedOut = await slow;
      expectRefusal(era, timedOut, await timedOut.text(), 504, toolsList.id);
    });
  });

  /** A 2025 session the steered upstream opens as `upstream-42`, and the bound id the client got. */
  async function openUpstreamSession() {
    const { upstream, path } = await env.startWithUpstream();
    const bearer = await env.token(path);
    const opening = postMcp(path.mcpUrl, LEGACY.request('initialize'), { bearer });
    const first = await upstream.arrival();
    first.res
      .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'upstream-42' })
      .end('{}');
    const bound = (await opening).headers.get('mcp-session-id') ?? '';
    return { upstream, path, bearer, bound };
  }

  it("binds a stateful upstream's own 2025 session id and hands it back to it", async () => {
    const { upstream, path, bearer, bound } = await openUpstreamSession();
    expect(bound).not.toContain('upstream-42');
    expect(bound.length).toBeGreaterThan(20);
    const next = postMcp(path.mcpUrl, LEGACY.request('tools/list'), {
      bearer,
      headers: { 'mcp-session-id': bound },
    });
    const second = await upstream.arrival();
    expect(second.req.headers['mcp-session-id']).toBe('upstream-42');
    second.res
      .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'upstream-42' })
      .end('{}');
    expect((await next).headers.get('mcp-session-id')).toBe(bound);
  });

  it("neither opens a bound session id a 2026 request presents nor hands an upstream's session back", async () => {
    const { upstream, path, bearer, bound } = await openUpstreamSession();
    // The same subject's valid id: on a 2026 request it names nothing, so 'upstream-42' stays unsent.
    const modern = postMcp(path.mcpUrl, MODERN.request('tools/list'), {
      bearer,
      headers: { 'mcp-session-id': bound },
    });
    const second = await upstream.arrival();
    expect(second.req.headers['mcp-session-id']).toBeUndefined();
    second.res
      .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'upstream-43' })
      .end('{}');
    const answer = await modern;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('mcp-session-id')).toBeNull();
  });
});
