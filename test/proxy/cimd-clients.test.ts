import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES } from '../../contract/index.js';
import { DEMO_USER } from '../../dev/full-path.js';
import { connectWithOAuth, MemoryOAuthProvider } from '../oauth-client.js';
import { type DocumentServer, REDIRECT, startDocumentServer } from './cimd-document.js';
import { consent, DiscoveringProvider, toolsGrantedBy, useFullPath } from './client-journey.js';

const SCOPE = ['openid', ...ALL_SCOPES].join(' ');

/** The claims of a JWT access token, unverified: what the IdP put in it. */
const claimsOf = (token: string | undefined): { aud?: string[]; client_id?: string } =>
  JSON.parse(Buffer.from((token ?? '').split('.')[1] ?? '', 'base64url').toString());

/**
 * Both SDK clients, given a Client ID Metadata Document URL, use it as their client_id once the IdP
 * advertises CIMD: no dynamic registration, and their tokens work through the proxy.
 */
describe('the v1 and v2 SDK clients signing in by Client ID Metadata Document', () => {
  let documents: DocumentServer;
  beforeAll(async () => {
    documents = await startDocumentServer({
      'v1-client.json': { claims: 'v1-client.json', redirect: REDIRECT },
      'v2-client.json': { claims: 'v2-client.json', redirect: REDIRECT },
    });
  });
  afterAll(async () => {
    await documents?.stop();
  });
  // Started after the documents (hooks run in order), torn down before them.
  const journey = useFullPath(() => ({ idpFetch: documents.idpFetch }));

  it('the v1 client signs in with its document URL as client_id and lists tools through the proxy', async () => {
    const clientId = `${documents.base}/v1-client.json`;
    const { client, provider } = await connectWithOAuth(
      journey.path.mcpUrl,
      DEMO_USER.name,
      DEMO_USER.password,
      SCOPE,
      new MemoryOAuthProvider(SCOPE, REDIRECT, clientId),
    );
    try {
      expect(provider.clientInformation()?.client_id).toBe(clientId);
      expect(provider.authorizationUrl?.searchParams.get('client_id')).toBe(clientId);
      expect(documents.fetched).toContain('/v1-client.json');
      expect(journey.registered).toEqual([]);
      const claims = claimsOf(provider.tokens()?.access_token);
      expect(claims.aud).toContain(journey.path.mcpUrl);
      expect(claims.client_id).toBe(clientId);
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain('nc_notes_list_notes');
    } finally {
      await client.close();
    }
  });

  it('the v2 client (2026-07-28) does the same, listing what its grant allows', async () => {
    const clientId = `${documents.base}/v2-client.json`;
    const provider = new DiscoveringProvider(SCOPE, REDIRECT, clientId);
    const newTransport = () =>
      new StreamableHTTPClientTransport(new URL(journey.path.mcpUrl), {
        authProvider: provider,
        fetch: journey.fetch,
      });
    const newClient = () =>
      new Client(
        { name: 'cimd-test-v2', version: '2.0.0' },
        { versionNegotiation: { mode: { pin: '2026-07-28' } } },
      );
    await expect(newClient().connect(newTransport())).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.authorizationUrl?.searchParams.get('client_id')).toBe(clientId);
    await newTransport().finishAuth((await consent(provider.authorizationUrl, 'notes:read')).searchParams);
    const client = newClient();
    await client.connect(newTransport());
    try {
      expect(provider.clientInformation()?.client_id).toBe(clientId);
      expect(documents.fetched).toContain('/v2-client.json');
      expect(journey.registered).toEqual([]);
      expect(claimsOf(provider.tokens()?.access_token).client_id).toBe(clientId);
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(toolsGrantedBy('notes:read'));
    } finally {
      await client.close();
    }
  });
});
