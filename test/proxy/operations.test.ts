import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { Writable } from 'node:stream';
import type { JWK, JWTPayload } from 'jose';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER, type FullPath, freePort, PROXY_CLIENT, startFullPath } from '../../dev/full-path.js';
import { createSigningKey, type SigningKey } from '../../dev/signing-key.js';

/** An upstream the test steers: each POST /mcp waits for the test to say what to send. */
function steerableUpstream() {
  const waiting: { req: IncomingMessage; res: ServerResponse }[] = [];
  const arrivals: ((value: { req: IncomingMessage; res: ServerResponse }) => void)[] = [];
  const server: Server = createServer((req, res) => {
    const next = arrivals.shift();
    if (next) next({ req, res });
    else waiting.push({ req, res });
  });
  return {
    server,
    /** The next request that reaches the upstream. */
    arrival: () =>
      new Promise<{ req: IncomingMessage; res: ServerResponse }>((resolve) => {
        const ready = waiting.shift();
        if (ready) resolve(ready);
        else arrivals.push(resolve);
      }),
  };
}

describe('proxy operations', () => {
  let key: JWK;
  let signer: SigningKey;
  const paths: FullPath[] = [];
  const logLines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );

  beforeAll(async () => {
    signer = await createSigningKey('ops-1');
    key = signer.jwk;
  });
  afterEach(async () => {
    while (paths.length > 0) await paths.pop()?.stop();
    for (const server of upstreams.splice(0)) {
      server.closeAllConnections();
      server.close();
    }
  });

  async function start(env: Record<string, string> = {}) {
    const path = await startFullPath({ signingJwk: key, env, log });
    paths.push(path);
    return path;
  }

  const upstreams: Server[] = [];
  /** A proxy in front of a steerable upstream instead of the MCP server. */
  async function startWithUpstream(env: Record<string, string> = {}) {
    const upstream = steerableUpstream();
    // Port 0: the kernel picks a free port, so parallel suites cannot race for it.
    await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.server.address() as AddressInfo;
    upstreams.push(upstream.server);
    return { upstream, path: await start({ UPSTREAM_URL: `http://127.0.0.1:${port}`, ...env }) };
  }

  function token(path: FullPath, claims: JWTPayload = {}): Promise<string> {
    return signer.sign({
      iss: path.idp.issuer,
      sub: DEMO_USER.name,
      // As the IdP issues them: the resource and the proxy's client, which may exchange it.
      aud: [path.mcpUrl, PROXY_CLIENT.id],
      azp: 'some-mcp-client',
      scope: 'notes:read notes:write',
      ...claims,
    });
  }

  const post = (path: FullPath, bearer: string, body: object, init: RequestInit = {}) =>
    fetch(path.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bearer}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify(body),
      ...init,
    });
  const toolsList = { jsonrpc: '2.0', id: 1, method: 'tools/list' };

  it('publishes RFC 9728 metadata at both well-known paths', async () => {
    const path = await start();
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
    const path = await start({ ALLOWED_ORIGINS: 'http://localhost:6274' });
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

  it('streams SSE events as the upstream produces them, and a leaving client aborts the upstream', async () => {
    const { upstream, path } = await startWithUpstream();
    const abort = new AbortController();
    const responsePromise = post(path, await token(path), toolsList, { signal: abort.signal });
    const { res: upstreamRes } = await upstream.arrival();
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

  it("binds a stateful upstream's own session id and hands it back to it", async () => {
    const { upstream, path } = await startWithUpstream();
    const bearer = await token(path);
    const opening = post(path, bearer, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} });
    const first = await upstream.arrival();
    first.res
      .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'upstream-42' })
      .end('{}');
    const bound = (await opening).headers.get('mcp-session-id') ?? '';
    expect(bound).not.toContain('upstream-42');
    expect(bound.length).toBeGreaterThan(20);
    const next = fetch(path.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bearer}`,
        'content-type': 'application/json',
        'mcp-session-id': bound,
      },
      body: JSON.stringify(toolsList),
    });
    const second = await upstream.arrival();
    expect(second.req.headers['mcp-session-id']).toBe('upstream-42');
    second.res
      .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'upstream-42' })
      .end('{}');
    expect((await next).headers.get('mcp-session-id')).toBe(bound);
  });

  it('drops hop-by-hop headers both ways, including those named in Connection', async () => {
    const { upstream, path } = await startWithUpstream();
    // fetch() will not send Connection; a raw request can.
    const bearer = await token(path);
    const pending = new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = httpRequest(
        path.mcpUrl,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${bearer}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            connection: 'keep-alive, x-secret-hop',
            'x-secret-hop': 'should not pass',
            'proxy-authorization': 'Basic c2VjcmV0',
            'x-kept': 'yes',
          },
        },
        resolve,
      );
      outgoing.on('error', reject);
      outgoing.end(JSON.stringify(toolsList));
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
    const { upstream, path } = await startWithUpstream({ SHUTDOWN_GRACE_MS: '5000' });
    const inFlight = post(path, await token(path), toolsList);
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
    const { upstream, path } = await startWithUpstream({
      UPSTREAM_TIMEOUT_MS: '300',
      MAX_CONCURRENT_PER_SUBJECT: '1',
    });
    const bearer = await token(path);
    const slow = post(path, bearer, toolsList);
    await upstream.arrival();
    const second = await post(path, bearer, toolsList);
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('1');
    expect((await slow).status).toBe(504);
  });

  it('answers 503 with Retry-After when the IdP is down or hangs, and never hangs itself', async () => {
    const path = await start({ IDP_TIMEOUT_MS: '500' });
    const warm = await post(path, await token(path), toolsList);
    expect(warm.status).toBe(200);
    const issuerPort = Number(new URL(path.idp.issuer).port);
    await path.idp.stop();
    const down = await post(path, await token(path), toolsList);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBeTruthy();

    // Something that accepts connections and never answers.
    const hang = createNetServer(() => undefined);
    await new Promise<void>((resolve) => hang.listen(issuerPort, '127.0.0.1', resolve));
    const slow = await post(path, await token(path), toolsList);
    expect(slow.status).toBe(503);
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
        log,
      ),
    );
    expect((await fetch(`${proxy.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
    const early = await fetch(`${proxy.url}/mcp`, { method: 'POST', headers: { authorization: 'Bearer x' } });
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBeTruthy();
    await proxy.stop();
  });

  it('accepts opaque tokens through introspection, cached by hash', async () => {
    const path = await start();
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
      const response = await post(path, value, toolsList);
      expect(response.status).toBe(200);
    }
    const metrics = await (await fetch(path.proxy.metricsUrl)).text();
    expect(metrics).toMatch(/mcp_proxy_cache_events_total\{cache="introspection",result="miss"\} 1\b/);
    expect(metrics).toMatch(/mcp_proxy_cache_events_total\{cache="introspection",result="hit"\} 2\b/);
  });

  it('writes one audit event per MCP request, without tokens or arguments', async () => {
    const path = await start();
    const bearer = await token(path);
    logLines.length = 0;
    const call = {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'nc_notes_search_notes', arguments: { query: 'secret-argument' } },
    };
    expect((await post(path, bearer, call)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const audits = logLines.filter((line) => line.audit === true);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      subject: DEMO_USER.name,
      clientId: 'some-mcp-client',
      method: 'tools/call',
      tool: 'nc_notes_search_notes',
      status: 200,
    });
    expect(audits[0]?.durationMs).toEqual(expect.any(Number));
    const everything = JSON.stringify(logLines);
    expect(everything).not.toContain(bearer);
    expect(everything).not.toContain('secret-argument');
  });

  it('exchanges once per token and caches it; passthrough is explicit and loud', async () => {
    const path = await start();
    const bearer = await token(path);
    await Promise.all(Array.from({ length: 20 }, () => post(path, bearer, toolsList)));
    const metrics = await (await fetch(path.proxy.metricsUrl)).text();
    expect(metrics).toMatch(/mcp_proxy_token_exchanges_total\{result="ok"\} 1\b/);

    logLines.length = 0;
    const passthrough = await start({ AUTH_MODE: 'passthrough' });
    expect(logLines.some((line) => line.level === 40 && String(line.msg).includes('passthrough'))).toBe(true);
    // The stand-in checks tokens as user_oidc does: a token meant for the proxy fails there.
    const response = await post(passthrough, await token(passthrough), {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'nc_notes_search_notes', arguments: { query: 'x' } },
    });
    const text = await response.text();
    expect(text).toContain('Nextcloud did not accept the access token');
  });

  afterAll(async () => {
    while (paths.length > 0) await paths.pop()?.stop();
  });
});
