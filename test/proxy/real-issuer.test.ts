import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/full-path.js';
import { quietLog } from '../../dev/mcp-server.js';
import { loadProxyConfig } from '../../proxy/config.js';
import { createProxyDeps } from '../../proxy/deps.js';
import { type RunningProxy, startProxy } from '../../proxy/server.js';

/**
 * The proxy's IdP-facing behaviour against a real issuer (e.g. Keycloak):
 * TEST_OIDC_ISSUER, TEST_OIDC_CLIENT_ID, TEST_OIDC_CLIENT_SECRET (the proxy's confidential client),
 * TEST_OIDC_PUBLIC_URL (the public URL its tokens carry as audience), and optionally
 * TEST_OIDC_TOKEN (a user's access token for that audience) to check validation and exchange.
 */
const env = process.env;
describe.runIf(Boolean(env.TEST_OIDC_ISSUER))('against a real OpenID provider', () => {
  let proxy: RunningProxy;
  const reached: IncomingHttpHeaders[] = [];
  const upstream = createServer((req, res) => {
    reached.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{}}');
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    proxy = await startProxy(
      createProxyDeps(
        loadProxyConfig({
          PUBLIC_URL: env.TEST_OIDC_PUBLIC_URL ?? `http://127.0.0.1:${await freePort()}`,
          ISSUER_URL: env.TEST_OIDC_ISSUER,
          CLIENT_ID: env.TEST_OIDC_CLIENT_ID,
          CLIENT_SECRET: env.TEST_OIDC_CLIENT_SECRET,
          UPSTREAM_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
          HOST: '127.0.0.1',
          PORT: '0',
          METRICS_PORT: '0',
        }),
        quietLog,
      ),
    );
    await proxy.ready;
  });
  afterAll(async () => {
    await proxy?.stop();
    upstream.close();
  });

  const post = (token: string) =>
    fetch(`${proxy.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    });

  it('discovers the issuer and becomes ready', async () => {
    expect((await fetch(`${proxy.url}/readyz`)).status).toBe(200);
  });

  it('refuses forged tokens and fetches the JWKS at most twice for 1,000 unknown key ids', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const key = await importJWK({ ...(await exportJWK(privateKey)) }, 'RS256');
    const before = reached.length;
    const statuses = await Promise.all(
      Array.from(
        { length: 1000 },
        async (_, i) =>
          (
            await post(
              await new SignJWT({
                iss: env.TEST_OIDC_ISSUER,
                sub: 'x',
                exp: Math.floor(Date.now() / 1000) + 60,
              })
                .setProtectedHeader({ alg: 'RS256', kid: `forged-${i}` })
                .sign(key),
            )
          ).status,
      ),
    );
    expect(statuses.every((status) => status === 401)).toBe(true);
    expect(reached.length).toBe(before);
    const metrics = await (await fetch(proxy.metricsUrl)).text();
    expect(Number(/nextcloud_mcp_proxy_jwks_fetches_total (\d+)/.exec(metrics)?.[1])).toBeLessThanOrEqual(2);
  });

  it.runIf(Boolean(env.TEST_OIDC_TOKEN))(
    'accepts a real token and exchanges it for a Nextcloud one',
    async () => {
      const response = await post(env.TEST_OIDC_TOKEN ?? '');
      expect(response.status).toBe(200);
      const forwarded = String(reached.at(-1)?.authorization ?? '').replace(/^Bearer /, '');
      expect(forwarded).not.toBe(env.TEST_OIDC_TOKEN);
      expect(decodeJwt(forwarded).aud).toContain('nextcloud');
    },
  );
});
