import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES } from '../../contract/index.js';
import { DEMO_USER, type FullPath, PROXY_CLIENT, startFullPath } from '../../dev/full-path.js';
import { quietLog } from '../../dev/mcp-server.js';
import { startEmbeddedIdp } from '../../idp/embedded.js';
import { connectWithOAuth, MemoryOAuthProvider } from '../oauth-client.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const SCOPE = ['openid', ...ALL_SCOPES].join(' ');

/** A certificate for 127.0.0.1: CIMD client ids must be https URLs, loopback ones included. */
function loopbackCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cimd-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1']
        .concat(['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'])
        .concat(['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]),
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('an MCP client identified by its Client ID Metadata Document', () => {
  let documents: Server;
  let base = '';
  let path: FullPath;
  let agent: Agent | undefined;
  const fetched: string[] = [];

  beforeAll(async () => {
    const tls = loopbackCertificate();
    // Each document is published at /<name>.json; `claims` is the client_id it says it has.
    const published: Record<string, { claims: string; redirect: string }> = {
      'good.json': { claims: 'good.json', redirect: REDIRECT },
      'impostor.json': { claims: 'good.json', redirect: REDIRECT },
      'elsewhere.json': { claims: 'elsewhere.json', redirect: 'http://127.0.0.1:9/elsewhere' },
    };
    documents = createServer(tls, (req, res) => {
      fetched.push(req.url ?? '');
      const doc = published[(req.url ?? '').slice(1)];
      if (!doc) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          client_id: `${base}/${doc.claims}`,
          client_name: 'CIMD test client',
          redirect_uris: [doc.redirect],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
        }),
      );
    });
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(documents.address() as AddressInfo).port}`;
    // The IdP's own fetch refuses loopback (SSRF guard); this one reaches our server and no other.
    agent = new Agent({ connect: { ca: tls.cert } });
    path = await startFullPath({
      idpFetch: async (input, init) => {
        const url = new URL(String(input));
        if (url.origin !== base) throw new Error(`test fetch refuses ${url.href}`);
        const { dispatcher: _guard, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
        return (await undiciFetch(url, {
          ...(rest as object),
          dispatcher: agent as Agent,
        })) as unknown as Response;
      },
    });
  });
  afterAll(async () => {
    await path?.stop();
    documents?.closeAllConnections();
    await new Promise((resolve) => documents?.close(resolve));
    await agent?.close();
  });

  it('advertises CIMD and keeps dynamic registration as the fallback', async () => {
    const discovery = (await (await fetch(`${path.idp.issuer}/.well-known/openid-configuration`)).json()) as {
      client_id_metadata_document_supported?: boolean;
      registration_endpoint?: string;
    };
    expect(discovery.client_id_metadata_document_supported).toBe(true);
    expect(discovery.registration_endpoint).toBe(`${path.idp.issuer}/reg`);
  });

  it('signs in with its URL as client_id, gets a token for the proxy and lists the tools', async () => {
    const clientId = `${base}/good.json`;
    const { client, provider } = await connectWithOAuth(
      path.mcpUrl,
      DEMO_USER.name,
      DEMO_USER.password,
      SCOPE,
      new MemoryOAuthProvider(SCOPE, REDIRECT, clientId),
    );
    expect(provider.clientInformation()?.client_id).toBe(clientId);
    expect(provider.authorizationUrl?.searchParams.get('client_id')).toBe(clientId);
    expect(fetched).toContain('/good.json');
    const token = provider.tokens()?.access_token ?? '';
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    expect(claims.aud).toContain(path.mcpUrl);
    expect(claims.client_id).toBe(clientId);
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(0);
    await client.close();
  });

  /** Starts an authorization request as `document`'s client and returns the IdP's answer. */
  async function authorize(
    document: string,
    redirect = REDIRECT,
    issuer = path.idp.issuer,
  ): Promise<Response> {
    const url = new URL(`${issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: `${base}/${document}`,
      response_type: 'code',
      redirect_uri: redirect,
      scope: SCOPE,
      resource: path.mcpUrl,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    return fetch(url, { redirect: 'manual' });
  }

  it('refuses a document whose client_id is not its own URL', async () => {
    const answer = await authorize('impostor.json');
    expect(answer.status).toBe(400);
    expect(answer.headers.get('location')).toBeNull();
    expect(await answer.text()).toMatch(/client_id metadata document client_id does not match/);
    expect(fetched).toContain('/impostor.json');
  });

  it('refuses a redirect_uri the document does not list', async () => {
    const answer = await authorize('elsewhere.json', REDIRECT);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('location')).toBeNull();
    expect(await answer.text()).toMatch(/invalid_redirect_uri/);
  });

  // Without `fetch` the request never reaches the server: its certificate is trusted by no system
  // store, and oidc-provider's guard drops connections to loopback and private addresses anyway.
  it("refuses loopback documents with the IdP's own fetch, which sends them no request", async () => {
    const idp = await startEmbeddedIdp({
      resource: path.mcpUrl,
      nextcloudAudience: 'nextcloud',
      proxyClient: PROXY_CLIENT,
      users: {},
      log: quietLog,
    });
    try {
      const before = fetched.length;
      const answer = await authorize('good.json', REDIRECT, idp.issuer);
      expect(answer.status).toBe(400);
      expect(await answer.text()).toMatch(/client_id metadata document fetch failed/);
      expect(fetched.length).toBe(before);
    } finally {
      await idp.stop();
    }
  });
});
