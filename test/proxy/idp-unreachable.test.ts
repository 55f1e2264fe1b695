import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/free-port.js';
import { loadProxyConfig } from '../../proxy/config.js';
import { discoverIssuer } from '../../proxy/identity-provider.js';
import { createMetrics } from '../../proxy/metrics.js';
import { selfSignedCertificate } from '../certificate.js';
import { logLines, startProgram } from '../program-process.js';

const servers: Server[] = [];
afterAll(() => {
  for (const server of servers) server.close();
});

async function listening(server: Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

const passthrough = (issuer: string, env: Record<string, string> = {}) => ({
  PUBLIC_URL: 'https://mcp.example',
  ISSUER_URL: issuer,
  AUTH_MODE: 'passthrough',
  SESSION_SECRET: 'sixteen-chars-min!',
  ...env,
});

/** The first "discovery failed" line the proxy logs for `issuer`. */
async function discoveryFailure(issuer: string, env: Record<string, string> = {}): Promise<string> {
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  const stop = new AbortController();
  const discovery = discoverIssuer(
    loadProxyConfig(passthrough(issuer, env)),
    createMetrics(),
    log,
    stop.signal,
  );
  discovery.catch(() => undefined);
  for (let i = 0; i < 200 && !lines.some((line) => line.includes('discovery failed')); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  stop.abort();
  const failure = logLines(lines.join('')).find((line) => line.msg.includes('discovery failed'));
  expect(failure?.level).toBe(40);
  return failure?.msg ?? '';
}

describe('a proxy that cannot reach its issuer', () => {
  it('says the connection was refused, not just "fetch failed"', async () => {
    const port = await freePort();
    expect(await discoveryFailure(`http://127.0.0.1:${port}/realms/a`)).toBe(
      `issuer discovery failed: fetch failed: connection refused (connect ECONNREFUSED 127.0.0.1:${port}); retrying`,
    );
  });

  it('says the host name does not resolve', async () => {
    expect(await discoveryFailure('https://sso.invalid/realms/a')).toMatch(
      /: host not found \(DNS\) \(getaddrinfo ENOTFOUND sso\.invalid\); retrying$/,
    );
  });

  it('says a self-signed certificate is not trusted', async () => {
    const port = await listening(createHttpsServer(selfSignedCertificate(), (_req, res) => res.end('{}')));
    expect(await discoveryFailure(`https://127.0.0.1:${port}/realms/a`)).toMatch(
      // Node 24 appends a hint (--use-system-ca) to OpenSSL's words.
      /: TLS certificate not trusted \(self-signed\) \(self[- ]signed certificate[^)]*\); retrying$/,
    );
  });

  it('says which HTTP status the issuer answered', async () => {
    const port = await listening(createHttpServer((_req, res) => res.writeHead(404).end('no such realm')));
    expect(await discoveryFailure(`http://127.0.0.1:${port}/realms/a`)).toMatch(
      /: unexpected HTTP response status code: HTTP 404 Not Found; retrying$/,
    );
  });

  it('says it timed out', async () => {
    const port = await listening(createHttpServer(() => undefined));
    expect(await discoveryFailure(`http://127.0.0.1:${port}/realms/a`, { IDP_TIMEOUT_MS: '200' })).toMatch(
      /: operation timed out: timed out \(.*timeout\); retrying$/,
    );
  });

  it('as a process, says a certificate is for another host, and keeps running', async () => {
    const tls = selfSignedCertificate('DNS:sso.example');
    const ca = join(tmpdir(), `issuer-ca-${process.pid}.pem`);
    writeFileSync(ca, tls.cert);
    const port = await listening(createHttpsServer(tls, (_req, res) => res.end('{}')));
    const proxy = startProgram('proxy/main', {
      ...passthrough(`https://127.0.0.1:${port}/realms/a`),
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      // Trusted, so that what fails is the name.
      NODE_EXTRA_CA_CERTS: ca,
    });
    try {
      await proxy.waitFor(/discovery failed/, 50_000);
      const failure = logLines(proxy.stdout()).find((line) => line.msg.includes('discovery failed'));
      expect(failure?.msg).toMatch(
        /: TLS certificate is not for this host name \(.*127\.0\.0\.1.*\); retrying$/,
      );
      expect(proxy.child.exitCode).toBeNull();
    } finally {
      await proxy.kill();
    }
  }, 60_000);

  it("as a process, tells why the issuer's keys could not be fetched, and never logs the token", async () => {
    const jwksPort = await freePort();
    let issuer = '';
    const issuerPort = await listening(
      createHttpServer((_req, res) =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ issuer, jwks_uri: `http://127.0.0.1:${jwksPort}/certs` })),
      ),
    );
    issuer = `http://127.0.0.1:${issuerPort}/realms/a`;
    const proxy = startProgram('proxy/main', {
      ...passthrough(issuer),
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
    });
    try {
      const [, port] = await proxy.waitFor(/"port":(\d+)/, 50_000);
      await proxy.waitFor(/proxy ready/);
      const token = `${Buffer.from('{"alg":"RS256","kid":"k1"}').toString('base64url')}.${Buffer.from(
        '{"sub":"alice","exp":9999999999}',
      ).toString('base64url')}.c2lnbmF0dXJlLW9mLWEtc2VjcmV0LXRva2Vu`;
      const response = await fetch(`http://127.0.0.1:${port}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(response.status).toBe(503);
      await proxy.waitFor(/JWKS unavailable/);
      const refusal = logLines(proxy.stdout()).find((line) =>
        String(line.message).includes('JWKS unavailable'),
      );
      expect(refusal?.message).toBe(
        `JWKS unavailable: fetch failed: connection refused (connect ECONNREFUSED 127.0.0.1:${jwksPort})`,
      );
      expect(proxy.stdout() + proxy.stderr()).not.toContain(token.split('.')[2]);
    } finally {
      await proxy.kill();
    }
  }, 90_000);
});
