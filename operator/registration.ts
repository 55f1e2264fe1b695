import * as oidc from 'openid-client';
import { IdentityProviderRejected, IdentityProviderUnavailable, type OperatorError } from './errors.js';

/** A client the operator registered with RFC 7591, and what it needs to delete it (RFC 7592). */
export interface RegisteredClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly registrationAccessToken?: string;
  readonly registrationClientUri?: string;
}

/** The HTTP status a failure carries: its own (a response, an openid-client error) or its cause's. */
function statusOf(error: unknown): number | undefined {
  const candidate = error as { status?: unknown; cause?: { status?: unknown } } | undefined;
  if (typeof candidate?.status === 'number') return candidate.status;
  return typeof candidate?.cause?.status === 'number' ? candidate.cause.status : undefined;
}

/**
 * The one place registration failures become ours: a 4xx is a refusal; the IdP down, a 5xx or a
 * timeout may pass. `failure` is what openid-client or fetch threw, or the response answered.
 */
function fromRegistration(message: string, failure: unknown): OperatorError {
  const status = statusOf(failure);
  const Kind =
    status !== undefined && status >= 400 && status < 500
      ? IdentityProviderRejected
      : IdentityProviderUnavailable;
  return new Kind(message, failure instanceof Error ? { cause: failure } : undefined);
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/**
 * The issuer's discovery document and registration answer are the tenant's to choose, so the URLs
 * they name must not turn the operator into a client of anything else (cluster-internal services,
 * the cloud's metadata endpoint): every request stays on the issuer's origin and no redirect is
 * followed, as a redirect could leave it.
 */
function sameOrigin(issuer: URL, url: string, what: string): URL {
  const target = new URL(url);
  if (target.origin !== issuer.origin)
    throw new IdentityProviderRejected(
      `${what} ${target.origin} is not on the issuer's origin ${issuer.origin}; the operator sends nothing there`,
    );
  return target;
}

/** Our own refusal from `fetchAtIssuer`, which openid-client hands on as the cause of its error. */
function refusalIn(error: unknown): IdentityProviderRejected | undefined {
  for (let at = error; at instanceof Error; at = at.cause)
    if (at instanceof IdentityProviderRejected) return at;
  return undefined;
}

/** A fetch on the issuer's origin that refuses redirects instead of following them. */
async function fetchAtIssuer(issuer: URL, url: string, init: RequestInit, what: string): Promise<Response> {
  const response = await fetch(sameOrigin(issuer, url, what), { ...init, redirect: 'manual' });
  if (response.status >= 300 && response.status < 400)
    throw new IdentityProviderRejected(
      `${url} answered with a redirect (HTTP ${response.status}); the operator follows none`,
    );
  return response;
}

/**
 * Registers the proxy's confidential client at any IdP that supports dynamic registration with an
 * initial access token; the registration access token is kept so the finalizer can delete it.
 */
export async function registerProxyClient(
  issuerUrl: string,
  initialAccessToken: string,
  clientName: string,
  timeoutMs: number,
): Promise<RegisteredClient> {
  const issuer = new URL(issuerUrl);
  let config: oidc.Configuration;
  try {
    config = await oidc.dynamicClientRegistration(
      issuer,
      {
        client_name: clientName,
        grant_types: [TOKEN_EXCHANGE],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      undefined,
      {
        initialAccessToken,
        timeout: timeoutMs / 1000,
        [oidc.customFetch]: (url, options) =>
          fetchAtIssuer(issuer, url, options as RequestInit, 'the IdP names an endpoint at'),
        ...(issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
      },
    );
  } catch (error) {
    throw (
      refusalIn(error) ??
      fromRegistration(`dynamic registration at ${issuer.origin} failed: ${(error as Error).message}`, error)
    );
  }
  const metadata = config.clientMetadata();
  const secret = metadata.client_secret;
  if (typeof secret !== 'string')
    throw new IdentityProviderRejected('the IdP registered the client without a secret');
  if (typeof metadata.registration_client_uri === 'string')
    sameOrigin(
      issuer,
      metadata.registration_client_uri,
      `the management URI of client ${metadata.client_id} is at`,
    );
  return {
    clientId: metadata.client_id,
    clientSecret: secret,
    ...(typeof metadata.registration_access_token === 'string'
      ? { registrationAccessToken: metadata.registration_access_token }
      : {}),
    ...(typeof metadata.registration_client_uri === 'string'
      ? { registrationClientUri: metadata.registration_client_uri }
      : {}),
  };
}

/** RFC 7592 delete, on the issuer's origin only; a client already gone counts as deleted. */
export async function deleteRegisteredClient(
  issuerUrl: string,
  client: RegisteredClient,
  timeoutMs: number,
): Promise<void> {
  if (!(client.registrationClientUri && client.registrationAccessToken)) {
    throw new IdentityProviderRejected(
      `no registration management URI for client ${client.clientId}; delete it at the IdP`,
    );
  }
  const response = await fetchAtIssuer(
    new URL(issuerUrl),
    client.registrationClientUri,
    {
      method: 'DELETE',
      headers: { authorization: `Bearer ${client.registrationAccessToken}` },
      signal: AbortSignal.timeout(timeoutMs),
    },
    `the management URI of client ${client.clientId} is at`,
  ).catch((error: unknown) => {
    throw (
      refusalIn(error) ?? fromRegistration(`cannot reach the IdP to delete client ${client.clientId}`, error)
    );
  });
  // 401 with a token we were given means the IdP already forgot the client (RFC 7592 §2.3).
  if (![204, 401, 404].includes(response.status)) {
    throw fromRegistration(
      `deleting client ${client.clientId} failed with HTTP ${response.status}`,
      response,
    );
  }
}
