import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadProxyConfig } from '../../proxy/config.js';
import { InvalidTokenError, ProxyError } from '../../proxy/errors.js';
import { createMetrics } from '../../proxy/metrics.js';
import { TokenValidator } from '../../proxy/token-validation.js';

const RESOURCE_BASE = 'https://mcp.example';

/** An RFC 7662 endpoint the test steers: each call answers `answer()` and is counted. */
describe('introspection of opaque tokens', () => {
  let server: Server;
  let issuer: string;
  let calls = 0;
  let answer: () => Record<string, unknown> = () => ({ active: false });

  beforeAll(async () => {
    server = createServer((req, res) => {
      calls++;
      req.resume();
      req.once('end', () =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer())),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  afterEach(() => {
    vi.useRealTimers();
    calls = 0;
  });

  function validator(env: Record<string, string> = {}): TokenValidator {
    const config = loadProxyConfig({
      PUBLIC_URL: RESOURCE_BASE,
      ISSUER_URL: issuer,
      CLIENT_ID: 'proxy',
      CLIENT_SECRET: 'proxy-secret-0123456789',
      ...env,
    });
    const client = new oidc.Configuration(
      { issuer, introspection_endpoint: `${issuer}/introspect`, jwks_uri: `${issuer}/jwks` },
      'proxy',
      undefined,
      oidc.ClientSecretBasic('proxy-secret-0123456789'),
    );
    oidc.allowInsecureRequests(client);
    return new TokenValidator(
      config,
      { client, issuer, jwksUri: new URL(`${issuer}/jwks`) },
      createMetrics(),
    );
  }

  const now = () => Math.floor(Date.now() / 1000);
  const active = (exp: number) => ({
    active: true,
    iss: issuer,
    sub: 'demo',
    aud: `${RESOURCE_BASE}/mcp`,
    scope: 'notes:read',
    exp,
  });

  it('does not keep a token past its exp: one that expires now is refused once the skew has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const exp = now();
    answer = () => active(exp);
    const tokens = validator();
    await expect(tokens.validate('opaque-expiring')).resolves.toMatchObject({ subject: 'demo' });
    vi.setSystemTime(Date.now() + 120_000);
    await expect(tokens.validate('opaque-expiring')).rejects.toMatchObject({ reason: 'expired' });
  });

  it('checks exp on every cache hit, not only when the entry was made', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const exp = now() + 30;
    answer = () => active(exp);
    const tokens = validator({ INTROSPECTION_CACHE_TTL_S: '3600' });
    await tokens.validate('opaque-short');
    await tokens.validate('opaque-short');
    expect(calls).toBe(1);
    vi.setSystemTime(Date.now() + 200_000);
    await expect(tokens.validate('opaque-short')).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('asks the IdP at a bounded rate however many unknown tokens arrive, answering 503 with Retry-After beyond', async () => {
    answer = () => ({ active: false });
    const tokens = validator({ INTROSPECTIONS_PER_SECOND: '5' });
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, () =>
        tokens.validate(randomBytes(16).toString('hex')).catch((error: unknown) => error as ProxyError),
      ),
    );
    expect(calls).toBeLessThanOrEqual(5);
    const limited = outcomes.filter(
      (error) => error instanceof ProxyError && error.code === 'INTROSPECTION_LIMITED',
    );
    expect(limited.length).toBeGreaterThanOrEqual(195);
    expect(limited[0]).toMatchObject({ retryAfterSeconds: 1 });
    // Known answers are still served from the cache while the limit holds.
    const refused = outcomes.find((error) => error instanceof InvalidTokenError);
    expect(refused).toBeDefined();
  });
});
