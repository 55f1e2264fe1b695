import { type ChildProcess, spawn } from 'node:child_process';
import { type ClientRequest, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS, RUNTIME_NODE_OPTIONS } from '../../contract/index.js';
import { DEMO_USER, type FullPath, freePort, PROXY_CLIENT, startFullPath } from '../../dev/full-path.js';
import { createSigningKey, type SigningKey } from '../../dev/signing-key.js';
import { basicAuth } from '../../dev/target.js';

const JSON_RPC = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
/** Just under the 4 MiB the proxy accepted before its limits were sized to the pods' heap. */
const NEAR_FOUR_MIB = 4 * 1024 * 1024 - 1024;

/** A tools/call whose arguments are `inner`, padded with `unit` to about `size` bytes. */
function hostileCall(open: string, unit: string, close: string, size = NEAR_FOUR_MIB): string {
  const head =
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nc_notes_search_notes","arguments":{"a":';
  const tail = '}}}';
  const count = Math.floor((size - head.length - tail.length - open.length - close.length) / unit.length);
  return `${head}${open}${unit.repeat(count)}${close}${tail}`;
}

function deeplyNested(): string {
  const head =
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nc_notes_search_notes","arguments":{"a":';
  const depth = Math.floor((NEAR_FOUR_MIB - head.length - 3) / 2);
  return `${head}${'['.repeat(depth)}${']'.repeat(depth)}}}}`;
}

/** Bodies whose JSON.parse costs ten to thirty times their size on the heap. */
const HOSTILE: Record<string, () => string> = {
  'many small values': () => hostileCall('[0', ',0', ']'),
  'many empty objects': () => hostileCall('[{}', ',{}', ']'),
  'deeply nested arrays': deeplyNested,
};

function spawnWithPodFlags(entry: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, NODE_OPTIONS: RUNTIME_NODE_OPTIONS, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitUntilOk(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await sleep(100);
  }
  throw new Error(`${url} never became ready`);
}

/** The status of a POST, or the error that ended it (a crashed peer resets the connection). */
async function postStatus(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<number | string> {
  try {
    const response = await request(url, { method: 'POST', headers: { ...JSON_RPC, ...headers }, body });
    await response.body.dump();
    return response.statusCode;
  } catch (error) {
    return (error as Error).message;
  }
}

/** What became of a body sent in part and held open: its answer, if one came. */
interface HeldBody {
  readonly request: ClientRequest;
  answer?: { status: number; retryAfter: string | undefined };
}

/**
 * Starts a POST that sends `sent` bytes of its body and then waits, holding what the proxy read:
 * declaring `declared` bytes, or chunked when that is undefined.
 */
function holdBody(url: string, token: string, sent: number, declared?: number): HeldBody {
  const request = httpRequest(url, {
    method: 'POST',
    headers: {
      ...JSON_RPC,
      authorization: `Bearer ${token}`,
      ...(declared === undefined ? {} : { 'content-length': String(declared) }),
    },
  });
  const held: HeldBody = { request };
  request.on('response', (response) => {
    const retryAfter = response.headers['retry-after'];
    held.answer = { status: response.statusCode ?? 0, retryAfter };
    response.resume();
  });
  request.on('error', () => {});
  // JSON allows leading whitespace: the bytes are a valid start of a body.
  request.write(Buffer.alloc(sent, 0x20));
  return held;
}

/**
 * The proxy and the tool server as the pods run them (separate processes, the pods' Node flags):
 * bodies built to make JSON.parse blow up the heap are refused, and both stay up and serve.
 */
describe('one request cannot take a pod down', () => {
  let path: FullPath;
  let signer: SigningKey;
  let proxy: ChildProcess;
  let server: ChildProcess;
  let proxyUrl: string;
  let serverUrl: string;
  let token: string;

  beforeAll(async () => {
    signer = await createSigningKey('bounds-1');
    path = await startFullPath({ signingJwk: signer.jwk });
    const serverPort = await freePort();
    server = spawnWithPodFlags('server/main.ts', {
      NEXTCLOUD_URL: path.nextcloudUrl,
      PORT: String(serverPort),
    });
    serverUrl = `http://127.0.0.1:${serverPort}`;
    const port = await freePort();
    proxyUrl = `http://127.0.0.1:${port}`;
    proxy = spawnWithPodFlags('proxy/main.ts', {
      PUBLIC_URL: proxyUrl,
      ISSUER_URL: path.idp.issuer,
      CLIENT_ID: PROXY_CLIENT.id,
      CLIENT_SECRET: PROXY_CLIENT.secret,
      UPSTREAM_URL: serverUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: '0',
    });
    await waitUntilOk(`${serverUrl}/healthz`);
    await waitUntilOk(`${proxyUrl}/readyz`);
    token = await signer.sign({
      iss: path.idp.issuer,
      sub: DEMO_USER.name,
      preferred_username: DEMO_USER.name,
      aud: [`${proxyUrl}/mcp`, PROXY_CLIENT.id],
      scope: 'notes:read notes:write',
      exp: Math.floor(Date.now() / 1000) + 3600,
    });
  }, 60_000);
  afterAll(async () => {
    proxy?.kill();
    server?.kill();
    await path?.stop();
  });

  const toolsList = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  const serverHeaders = () => ({
    [HEADERS.authorization]: basicAuth(DEMO_USER.name, DEMO_USER.appPassword),
    [HEADERS.user]: DEMO_USER.name,
    [HEADERS.scopes]: 'notes:read notes:write',
  });

  it.each(Object.keys(HOSTILE))(
    'the proxy refuses %s, several at once, and still serves',
    async (name) => {
      const body = HOSTILE[name]?.() ?? '';
      const statuses = await Promise.all(
        Array.from({ length: 6 }, () =>
          postStatus(`${proxyUrl}/mcp`, { authorization: `Bearer ${token}` }, body),
        ),
      );
      expect(proxy.exitCode, `proxy exited; answers: ${statuses.join(', ')}`).toBeNull();
      for (const status of statuses) expect([400, 413, 429]).toContain(status);
      expect(await postStatus(`${proxyUrl}/mcp`, { authorization: `Bearer ${token}` }, toolsList)).toBe(200);
    },
    60_000,
  );

  it('passes sixteen bodies at the limit that are one long string at once, and stays up', async () => {
    const body = hostileCall('"', 'x', '"');
    const statuses = await Promise.all(
      Array.from({ length: 16 }, () =>
        postStatus(`${proxyUrl}/mcp`, { authorization: `Bearer ${token}` }, body),
      ),
    );
    expect(proxy.exitCode).toBeNull();
    expect(server.exitCode).toBeNull();
    // The tool answers (an error result: no such argument) or the server is busy for a moment.
    for (const status of statuses) expect([200, 503]).toContain(status);
    expect(statuses).toContain(200);
    expect(await postStatus(`${proxyUrl}/mcp`, { authorization: `Bearer ${token}` }, toolsList)).toBe(200);
  }, 60_000);

  it.each([
    ['declared', 256 * 1024, NEAR_FOUR_MIB],
    ['chunked', 2 * 1024 * 1024, undefined],
  ] as const)(
    'holds at most MAX_BODY_BYTES_IN_FLIGHT of bodies from many subjects at once (%s), then serves',
    async (_kind, sent, declared) => {
      const subjects = 30;
      const tokens = await Promise.all(
        Array.from({ length: subjects }, (_, i) =>
          signer.sign({
            iss: path.idp.issuer,
            sub: `budget-${i}`,
            preferred_username: DEMO_USER.name,
            aud: [`${proxyUrl}/mcp`, PROXY_CLIENT.id],
            scope: 'notes:read',
            exp: Math.floor(Date.now() / 1000) + 3600,
          }),
        ),
      );
      const held = tokens.map((each) => holdBody(`${proxyUrl}/mcp`, each, sent, declared));
      // 30 × 4 MiB declared, or 30 × 2 MiB sent, is over the default 24 MiB: the rest are refused.
      const fits = Math.floor((24 * 1024 * 1024) / (declared ?? sent));
      for (let i = 0; i < 100 && held.filter((body) => body.answer).length < subjects - fits; i++)
        await sleep(100);
      const answers = held.flatMap((body) => (body.answer ? [body.answer] : []));
      expect(proxy.exitCode).toBeNull();
      expect(answers.length).toBeGreaterThanOrEqual(subjects - fits);
      for (const answer of answers) expect(answer).toEqual({ status: 503, retryAfter: '1' });
      for (const body of held) body.request.destroy();
      // Bodies given up are given back: a normal request passes again.
      let status: number | string = 0;
      for (let i = 0; i < 30 && status !== 200; i++) {
        status = await postStatus(`${proxyUrl}/mcp`, { authorization: `Bearer ${token}` }, toolsList);
        if (status !== 200) await sleep(100);
      }
      expect(status).toBe(200);
    },
    60_000,
  );

  it.each(Object.keys(HOSTILE))(
    'the tool server refuses %s, several at once, and still serves',
    async (name) => {
      const body = HOSTILE[name]?.() ?? '';
      const statuses = await Promise.all(
        Array.from({ length: 6 }, () => postStatus(`${serverUrl}/mcp`, serverHeaders(), body)),
      );
      expect(server.exitCode, `server exited; answers: ${statuses.join(', ')}`).toBeNull();
      for (const status of statuses) expect([400, 413, 503]).toContain(status);
      expect(await postStatus(`${serverUrl}/mcp`, serverHeaders(), toolsList)).toBe(200);
    },
    60_000,
  );
});
