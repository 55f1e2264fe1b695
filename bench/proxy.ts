import { type ChildProcess, spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { request } from 'undici';
import { ALL_SCOPES, HEADERS, RUNTIME_NODE_OPTIONS } from '../contract/index.js';
import { DEMO_USER, type FullPath, freePort, PROXY_CLIENT, startFullPath } from '../dev/full-path.js';
import { wireRequest } from '../dev/mcp-wire.js';
import { createSigningKey, type SigningKey } from '../dev/signing-key.js';
import { cpuMs, JSON_RPC_HEADERS, rssMiB, waitUntilOk } from './processes.js';
import type { Row } from './server.js';

const DURATION_S = 5;
const CONNECTIONS = 8;

async function load(url: string, headers: Record<string, string>, body: string) {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { ...JSON_RPC_HEADERS, ...headers },
    body,
    connections: CONNECTIONS,
    duration: DURATION_S,
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors on ${url}`);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
  };
}

/** Latency of one request at a time (no queueing), in ms with sub-millisecond resolution. */
async function sequential(url: string, headers: Record<string, string>, body: string, count = 1000) {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    const response = await request(url, {
      method: 'POST',
      headers: { ...JSON_RPC_HEADERS, ...headers },
      body,
    });
    await response.body.arrayBuffer();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

async function counter(metricsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return [...text.matchAll(new RegExp(`^${name}(\\{[^}]*result="ok"[^}]*\\})? (\\d+)`, 'gm'))].reduce(
    (sum, match) => sum + Number(match[2]),
    0,
  );
}

/**
 * Proxy overhead: requests/s and latency of tools/list and a small tools/call (2025, and the same
 * call as a 2026-07-28 client sends it) through the proxy (a separate process, as deployed) and
 * straight to the server, warm caches, one token.
 */
export async function benchProxy(): Promise<Row[]> {
  const signer = await createSigningKey('bench');
  const path = await startFullPath({ signingJwk: signer.jwk });
  const children: ChildProcess[] = [];
  try {
    return await measure(signer, path, children);
  } finally {
    // Also when a step fails: the children would otherwise outlive the bench.
    for (const child of children) child.kill('SIGTERM');
    await path.stop();
  }
}

async function measure(signer: SigningKey, path: FullPath, children: ChildProcess[]): Promise<Row[]> {
  const standin = spawn(process.execPath, ['--import', 'tsx', 'bench/standin-process.ts'], {
    env: { ...process.env, NODE_OPTIONS: RUNTIME_NODE_OPTIONS, ISSUER: path.idp.issuer },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(standin);
  const nextcloudUrl = await new Promise<string>((resolve) =>
    standin.stdout.once('data', (chunk) => resolve(String(chunk).trim())),
  );
  // The server runs as its own process, as deployed, so neither path shares a thread with the load.
  const serverPort = await freePort();
  const server = spawn(process.execPath, ['dist/server/main.js'], {
    env: {
      ...process.env,
      NODE_OPTIONS: RUNTIME_NODE_OPTIONS,
      NEXTCLOUD_URL: nextcloudUrl,
      PORT: String(serverPort),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(server);
  const serverUrl = `http://127.0.0.1:${serverPort}`;
  const port = await freePort();
  const metricsPort = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const child = spawn(process.execPath, ['dist/proxy/main.js'], {
    env: {
      ...process.env,
      NODE_OPTIONS: RUNTIME_NODE_OPTIONS,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ISSUER_URL: path.idp.issuer,
      CLIENT_ID: PROXY_CLIENT.id,
      CLIENT_SECRET: PROXY_CLIENT.secret,
      UPSTREAM_URL: serverUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      MAX_CONCURRENT_PER_SUBJECT: '64',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  await waitUntilOk(`${serverUrl}/healthz`);
  await waitUntilOk(`http://127.0.0.1:${port}/readyz`);
  const token = await signer.sign({
    iss: path.idp.issuer,
    sub: DEMO_USER.name,
    // As the IdP issues them: the resource and the proxy's client, which may exchange it.
    aud: [resource, path.mcpUrl, PROXY_CLIENT.id],
    scope: ALL_SCOPES.join(' '),
    exp: Math.floor(Date.now() / 1000) + 3600,
  });

  // The Nextcloud token the proxy would get, exchanged once here, lets the direct runs do the same work.
  const exchange = await fetch(`${path.idp.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${PROXY_CLIENT.id}:${PROXY_CLIENT.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      audience: 'nextcloud',
    }),
  });
  const upstreamAuthorization = `Bearer ${((await exchange.json()) as { access_token: string }).access_token}`;
  const proxied = { authorization: `Bearer ${token}` };
  // Created as a 2026 client would: its answer is plain JSON (the 2025 leg answers in SSE).
  const create = wireRequest('modern', 'tools/call', {
    name: 'nc_notes_create_note',
    arguments: { title: 'bench', content: 'x' },
  });
  const created = await fetch(resource, {
    method: 'POST',
    headers: { ...proxied, ...JSON_RPC_HEADERS, ...create.headers },
    body: create.body,
  });
  const noteId = ((await created.json()) as { result: { structuredContent: { id: number } } }).result
    .structuredContent.id;
  const direct = {
    authorization: upstreamAuthorization,
    [HEADERS.user]: DEMO_USER.name,
    [HEADERS.scopes]: ALL_SCOPES.join(' '),
  };
  const getNote = { name: 'nc_notes_get_note', arguments: { note_id: noteId } };
  // The same work in both eras; a 2026 request carries its _meta and routing headers, which both
  // the proxy and the server check against the body.
  const requests = [
    ['tools/list', wireRequest('legacy', 'tools/list', {}, 2)],
    ['tools/call', wireRequest('legacy', 'tools/call', getNote, 3)],
    ['tools/call (2026-07-28)', wireRequest('modern', 'tools/call', getNote, 4)],
  ] as const;

  const exchangesBefore = await counter(metricsUrl, 'nextcloud_mcp_proxy_token_exchanges_total');
  const jwksBefore = await counter(metricsUrl, 'nextcloud_mcp_proxy_jwks_fetches_total');
  const rows: Row[] = [];
  let proxiedTotal = 0;
  for (const [name, { body, headers }] of requests) {
    const straight = await load(`${serverUrl}/mcp`, { ...direct, ...headers }, body);
    const proxyCpu = cpuMs(child.pid);
    const serverCpu = cpuMs(server.pid);
    const through = await load(resource, { ...proxied, ...headers }, body);
    const perRequest = (ms: number) => `${((ms * 1000) / through.total).toFixed(0)} µs`;
    const cpu = { proxy: cpuMs(child.pid) - proxyCpu, server: cpuMs(server.pid) - serverCpu };
    const alone = await sequential(`${serverUrl}/mcp`, { ...direct, ...headers }, body);
    const relayed = await sequential(resource, { ...proxied, ...headers }, body);
    proxiedTotal += through.total + 1000;
    rows.push(
      {
        metric: `proxy: ${name} requests/s proxied / direct`,
        value: `${(through.rps / straight.rps).toFixed(2)} (${through.rps.toFixed(0)} / ${straight.rps.toFixed(0)})`,
        target: '≥ 0.8',
      },
      {
        metric: `proxy: ${name} added latency p50 / p99 (one at a time)`,
        value: `${(relayed.p50 - alone.p50).toFixed(3)} ms / ${(relayed.p99 - alone.p99).toFixed(3)} ms (direct p50 ${alone.p50.toFixed(3)} ms)`,
        target: 'p50 ≤ 1 ms',
      },
      {
        metric: `proxy: ${name} CPU per request, proxy / server`,
        value: `${perRequest(cpu.proxy)} / ${perRequest(cpu.server)} (2 cores shared by load, proxy, server, stand-in)`,
      },
      {
        metric: `proxy: ${name} latency p50 under load, proxied / direct`,
        value: `${through.p50} ms / ${straight.p50} ms (${CONNECTIONS} connections)`,
      },
    );
  }
  const exchanges =
    (await counter(metricsUrl, 'nextcloud_mcp_proxy_token_exchanges_total')) - exchangesBefore + 1;
  const jwks = (await counter(metricsUrl, 'nextcloud_mcp_proxy_jwks_fetches_total')) - jwksBefore + 1;
  const perThousand = (count: number) => ((count * 1000) / (proxiedTotal + 1)).toFixed(3);
  rows.push(
    {
      metric: `proxy: token exchanges per 1,000 requests (one token, ${proxiedTotal + 1} requests)`,
      value: `${perThousand(exchanges)} (${exchanges} in all)`,
      target: '1 per token',
    },
    {
      metric: 'proxy: JWKS fetches per 1,000 requests',
      value: `${perThousand(jwks)} (${jwks} in all)`,
      target: '1',
    },
    {
      metric: 'proxy: RSS after the load (pod Node flags)',
      value: `${rssMiB(child.pid).toFixed(1)} MiB`,
      target: '≤ 120 MB',
    },
  );
  return rows;
}
