import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IdentityProviderRejected } from '../../operator/errors.js';
import { deleteRegisteredClient, registerProxyClient } from '../../operator/registration.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A local HTTP server whose answers each test sets, recording what reached it. */
async function listen(): Promise<{
  url: string;
  hits: string[];
  answer: (h: Handler) => void;
  server: Server;
}> {
  const hits: string[] = [];
  let handler: Handler = (_req, res) => res.writeHead(404).end();
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, hits, server, answer: (h) => (handler = h) };
}

const json = (res: ServerResponse, status: number, body: object) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/**
 * The issuer is the tenant's to name, and so is everything its discovery and registration answers
 * name: a hostile issuer must not make the operator POST or DELETE anywhere but on its own origin.
 */
describe('RFC 7591/7592 stay on the issuer’s origin', () => {
  let issuer: Awaited<ReturnType<typeof listen>>;
  let internal: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    issuer = await listen();
    internal = await listen();
    internal.answer((_req, res) =>
      json(res, 201, { client_id: 'x', client_secret: 's', client_secret_expires_at: 0 }),
    );
  });
  afterEach(() => {
    issuer.hits.length = 0;
    internal.hits.length = 0;
  });
  afterAll(() => {
    issuer.server.close();
    internal.server.close();
  });
  const discovery =
    (registrationEndpoint: string): Handler =>
    (req, res) =>
      req.url === '/.well-known/openid-configuration'
        ? json(res, 200, { issuer: issuer.url, registration_endpoint: registrationEndpoint })
        : json(res, 201, {
            client_id: 'c1',
            client_secret: 'secret',
            client_secret_expires_at: 0,
            registration_access_token: 'rat',
            registration_client_uri: `${internal.url}/admin/delete-everything`,
          });

  it('refuses a registration_endpoint on another origin, sending it nothing', async () => {
    issuer.answer(discovery(`${internal.url}/register`));
    const refused = await registerProxyClient(issuer.url, 'iat', 'mcp-a.b', 5000).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IdentityProviderRejected);
    expect((refused as Error).message).toContain(`${internal.url} is not on the issuer's origin`);
    expect(internal.hits).toEqual([]);
  });

  it('refuses a registration_client_uri on another origin', async () => {
    issuer.answer(discovery(`${issuer.url}/register`));
    const refused = await registerProxyClient(issuer.url, 'iat', 'mcp-a.b', 5000).catch((e: unknown) => e);
    expect(refused, `${(refused as Error).message} ${(refused as Error).cause}`).toBeInstanceOf(
      IdentityProviderRejected,
    );
    expect((refused as Error).message, String((refused as Error).cause)).toContain(
      'management URI of client c1',
    );
  });

  it('follows no redirect, in discovery or registration', async () => {
    issuer.answer((_req, res) => res.writeHead(307, { location: `${internal.url}/register` }).end());
    const refused = await registerProxyClient(issuer.url, 'iat', 'mcp-a.b', 5000).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IdentityProviderRejected);
    expect(internal.hits).toEqual([]);
  });

  it('sends no DELETE off the issuer’s origin, nor through a redirect', async () => {
    const client = { clientId: 'c1', clientSecret: 's', registrationAccessToken: 'rat' };
    const offOrigin = await deleteRegisteredClient(
      issuer.url,
      { ...client, registrationClientUri: `${internal.url}/api/v1/namespaces/x` },
      5000,
    ).catch((e: unknown) => e);
    expect(offOrigin).toBeInstanceOf(IdentityProviderRejected);
    issuer.answer((_req, res) =>
      res.writeHead(308, { location: `${internal.url}/api/v1/namespaces/x` }).end(),
    );
    const redirected = await deleteRegisteredClient(
      issuer.url,
      { ...client, registrationClientUri: `${issuer.url}/clients/c1` },
      5000,
    ).catch((e: unknown) => e);
    expect(redirected).toBeInstanceOf(IdentityProviderRejected);
    expect(internal.hits).toEqual([]);
  });
});
