import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES } from '../../contract/index.js';
import { type FullPath, PROXY_CLIENT, startFullPath } from '../../dev/full-path.js';
import { quietLog } from '../../dev/mcp-server.js';
import { startEmbeddedIdp } from '../../idp/embedded.js';
import { type DocumentServer, REDIRECT, startDocumentServer } from './cimd-document.js';

const SCOPE = ['openid', ...ALL_SCOPES].join(' ');

/** What the IdP checks of a Client ID Metadata Document; cimd-clients.test.ts signs in with SDK clients. */
describe('an MCP client identified by its Client ID Metadata Document', () => {
  let documents: DocumentServer;
  let path: FullPath;

  beforeAll(async () => {
    // Each document is published at /<name>; `claims` is the client_id it says it has.
    documents = await startDocumentServer({
      'good.json': { claims: 'good.json', redirect: REDIRECT },
      'impostor.json': { claims: 'good.json', redirect: REDIRECT },
      'elsewhere.json': { claims: 'elsewhere.json', redirect: 'http://127.0.0.1:9/elsewhere' },
    });
    path = await startFullPath({ idpFetch: documents.idpFetch });
  });
  afterAll(async () => {
    await path?.stop();
    await documents?.stop();
  });

  it('advertises CIMD and keeps dynamic registration as the fallback', async () => {
    const discovery = (await (await fetch(`${path.idp.issuer}/.well-known/openid-configuration`)).json()) as {
      client_id_metadata_document_supported?: boolean;
      registration_endpoint?: string;
    };
    expect(discovery.client_id_metadata_document_supported).toBe(true);
    expect(discovery.registration_endpoint).toBe(`${path.idp.issuer}/reg`);
  });

  /** Starts an authorization request as `document`'s client and returns the IdP's answer. */
  async function authorize(
    document: string,
    redirect = REDIRECT,
    issuer = path.idp.issuer,
  ): Promise<Response> {
    const url = new URL(`${issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: `${documents.base}/${document}`,
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
    expect(documents.fetched).toContain('/impostor.json');
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
      const before = documents.fetched.length;
      const answer = await authorize('good.json', REDIRECT, idp.issuer);
      expect(answer.status).toBe(400);
      expect(await answer.text()).toMatch(/client_id metadata document fetch failed/);
      expect(documents.fetched.length).toBe(before);
    } finally {
      await idp.stop();
    }
  });
});
