import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { JWTPayload } from 'jose';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { DEMO_USER, type FullPath, PROXY_CLIENT, startFullPath } from '../../dev/full-path.js';
import type { WireRequest } from '../../dev/mcp-wire.js';
import { createSigningKey, type SigningKey } from '../../dev/signing-key.js';
import { useFullPath } from './client-journey.js';
import { postMcp } from './eras.js';

/** A token as the path's IdP issues them: for the resource and the proxy's client, which may exchange it. */
export function issueToken(
  signer: SigningKey,
  path: FullPath,
  claims: JWTPayload = {},
  header: { alg?: string; kid?: string } = {},
): Promise<string> {
  return signer.sign(
    {
      iss: path.idp.issuer,
      sub: DEMO_USER.name,
      preferred_username: DEMO_USER.name,
      aud: [path.mcpUrl, PROXY_CLIENT.id],
      azp: 'some-mcp-client',
      scope: 'notes:read notes:write',
      iat: Math.floor(Date.now() / 1000),
      ...claims,
    },
    header,
  );
}

/**
 * One full path for a whole suite that mints its own tokens (the IdP trusts `kid`'s key), on the
 * journey hooks the SDK-client suites use, so it records what reached the MCP server alike.
 */
export function useSignedPath(kid: string) {
  let signer: SigningKey | undefined;
  // Registered before the journey's hooks, so the key exists when the path starts.
  beforeAll(async () => {
    signer = await createSigningKey(kid);
  });
  const journey = useFullPath(() => ({ ...(signer ? { signingJwk: signer.jwk } : {}) }));
  const { reached } = journey;
  const started = () => {
    if (!journey.path || !signer) throw new Error('the path is started in beforeAll');
    return { path: journey.path, signer };
  };
  return {
    reached,
    get path() {
      return started().path;
    },
    get signer() {
      return started().signer;
    },
    token: (claims?: JWTPayload, header?: { alg?: string; kid?: string }) =>
      issueToken(started().signer, started().path, claims, header),
    /** POSTs `request` to the proxy, and tells whether it reached the server. */
    async post(request: WireRequest, bearer: string | undefined, headers: Record<string, string> = {}) {
      const before = reached.length;
      const response = await postMcp(started().path.mcpUrl, request, { bearer, headers });
      return { response, text: await response.text(), reachedServer: reached.length > before };
    },
  };
}

interface Arrival {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

/** An upstream the test steers: each request waits for the test to say what to send. */
function steerableUpstream() {
  const waiting: Arrival[] = [];
  const arrivals: ((value: Arrival) => void)[] = [];
  const server = createServer((req, res) => {
    const next = arrivals.shift();
    if (next) next({ req, res });
    else waiting.push({ req, res });
  });
  return {
    server,
    /** The next request that reaches the upstream. */
    arrival: () =>
      new Promise<Arrival>((resolve) => {
        const ready = waiting.shift();
        if (ready) resolve(ready);
        else arrivals.push(resolve);
      }),
  };
}

/** Paths started per test (stopped after it), the proxy's log lines captured, one signing key. */
export function useProxyPaths(kid: string) {
  let signer: SigningKey | undefined;
  const paths: FullPath[] = [];
  const upstreams: ReturnType<typeof steerableUpstream>['server'][] = [];
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
    signer = await createSigningKey(kid);
  });
  const stopAll = async () => {
    while (paths.length > 0) await paths.pop()?.stop();
    for (const server of upstreams.splice(0)) {
      server.closeAllConnections();
      server.close();
    }
  };
  afterEach(stopAll);
  afterAll(stopAll);

  async function start(env: Record<string, string> = {}): Promise<FullPath> {
    if (!signer) throw new Error('the key is made in beforeAll');
    const path = await startFullPath({ signingJwk: signer.jwk, env, log });
    paths.push(path);
    return path;
  }

  return {
    log,
    logLines,
    start,
    /** A proxy in front of a steerable upstream instead of the MCP server. */
    async startWithUpstream(env: Record<string, string> = {}) {
      const upstream = steerableUpstream();
      // Port 0: the kernel picks a free port, so parallel suites cannot race for it.
      await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
      const { port } = upstream.server.address() as AddressInfo;
      upstreams.push(upstream.server);
      return { upstream, path: await start({ UPSTREAM_URL: `http://127.0.0.1:${port}`, ...env }) };
    },
    token(path: FullPath, claims: JWTPayload = {}): Promise<string> {
      if (!signer) throw new Error('the key is made in beforeAll');
      return issueToken(signer, path, claims);
    },
  };
}
