import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import type { EmbeddedIdpOptions } from '../../idp/embedded.js';
import { selfSignedCertificate } from '../certificate.js';

/** Where a client's sign-in comes back to: nothing listens there, the test reads the redirect. */
export const REDIRECT = 'http://127.0.0.1:9/callback';

/** A document to publish at `/<name>`: the client_id it claims (a name here too) and its redirect. */
export interface PublishedDocument {
  readonly claims: string;
  readonly redirect: string;
}

/** Client ID Metadata Documents served over loopback https, and a fetch for the IdP that reaches them. */
export interface DocumentServer {
  /** `https://127.0.0.1:<port>`. */
  readonly base: string;
  /** The paths the IdP asked for, in order. */
  readonly fetched: string[];
  /** The IdP's fetch: reaches this server (trusting its certificate) and refuses any other origin. */
  readonly idpFetch: NonNullable<EmbeddedIdpOptions['fetch']>;
  stop(): Promise<void>;
}

/** Publishes `documents` (name → document) on a self-signed loopback https server. */
export async function startDocumentServer(
  documents: Readonly<Record<string, PublishedDocument>>,
): Promise<DocumentServer> {
  // CIMD client ids must be https URLs, loopback ones included.
  const tls = selfSignedCertificate();
  const fetched: string[] = [];
  let base = '';
  const server = createServer(tls, (req, res) => {
    fetched.push(req.url ?? '');
    const doc = documents[(req.url ?? '').slice(1)];
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The IdP's own fetch refuses loopback (SSRF guard); this one reaches our server and no other.
  const agent = new Agent({ connect: { ca: tls.cert } });
  return {
    base,
    fetched,
    idpFetch: async (input, init) => {
      const url = new URL(String(input));
      if (url.origin !== base) throw new Error(`test fetch refuses ${url.href}`);
      const { dispatcher: _guard, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
      return (await undiciFetch(url, { ...(rest as object), dispatcher: agent })) as unknown as Response;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await agent.close();
    },
  };
}
